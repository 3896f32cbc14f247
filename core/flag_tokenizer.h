// FlagTokenizer: argv -> a sequence of operands and flags with their values, for both commands
// (`urlsweep` and `urlsweep report`). It knows the syntax only; what a flag means, which values are
// valid and how an error reads belong to each command. Pure: no I/O, no allocation.
//
// Accepted forms: "--name value", "--name=value", "-x value" and, where FlagSyntax allows it, "-xvalue",
// short flags combined in one argument as getopt(3) reads them ("-qk" is "-q -k"; "-qo out.csv" and
// "-qoout.csv" give -o its value), and "--" as the end of the flags. An argument that is "-", empty, or
// does not start with '-' is an operand.
#pragma once

#include <span>
#include <string_view>

namespace urlsweep {

struct FlagSpec {
  std::string_view long_name;  // without the leading "--"; empty when there is none ("-4")
  char short_name;             // 0 when there is none
  bool takes_value;
  int id;                      // the command's own flag number
};

// The parts of the syntax in which the two commands differ.
struct FlagSyntax {
  // "-ovalue" and "-qk": a short flag may be followed in the same argument by its value or by more
  // short flags. Without it such an argument is an unknown flag.
  bool short_value_attached = true;
  // "--" ends the flags: every later argument is an operand. Without it "--" is an unknown flag.
  bool double_dash_ends_flags = true;
};

struct FlagToken {
  enum class Kind {
    kOperand,          // `text` is not a flag
    kEndOfFlags,       // "--": what follows is operands
    kFlag,             // `flag`, with `value` when it takes one
    kUnknownFlag,      // `name` is in no FlagSpec
    kUnexpectedValue,  // `flag` takes no value, yet one was attached ("--quiet=x")
    kMissingValue,     // `flag` takes a value and was the last argument
    // "-o=x": a short flag that takes a value, written with '='. getopt(3) and curl would read the
    // value as "=x", which is never what was meant; `value` holds what follows the '=' ("x").
    kShortFlagEquals,
  };
  Kind kind = Kind::kOperand;
  const FlagSpec* flag = nullptr;
  std::string_view text;   // the argument as written (the flag's own, when its value came separately)
  // "--name" or "-x" as written, without an attached value. For a short flag written with more after it
  // where the syntax allows none, the whole argument. Valid until the next call of Next(): the name of
  // a short flag combined with others ("-k" of "-sLk") is held by the tokenizer.
  std::string_view name;
  std::string_view value;  // kFlag with takes_value only
  bool value_attached = false;  // the value came in `text`, after "--name=" or "-x"
};

class FlagTokenizer {
 public:
  // argv[0] (the program or command name) is skipped. `argv` and `flags` must outlive the tokenizer.
  FlagTokenizer(int argc, const char* const* argv, std::span<const FlagSpec> flags, FlagSyntax syntax);

  // The next token; false when every argument has been read. A flag whose value follows it as the next
  // argument consumes both. An argument of combined short flags gives one token per flag.
  bool Next(FlagToken* token);

 private:
  const FlagSpec* FindLong(std::string_view name) const;
  const FlagSpec* FindShort(char c) const;
  // The short flag at the front of short_rest_, and its value.
  void NextShort(FlagToken* token);

  int argc_;
  const char* const* argv_;
  std::span<const FlagSpec> flags_;
  FlagSyntax syntax_;
  int next_ = 1;
  bool flags_done_ = false;
  // The argument of short flags being read ("-sLk") and what of it is still to read ("Lk").
  std::string_view short_arg_;
  std::string_view short_rest_;
  // "-k": the name of the short flag last read, for FlagToken::name.
  char short_name_[2] = {'-', 0};
};

}  // namespace urlsweep
