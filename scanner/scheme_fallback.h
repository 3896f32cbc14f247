// --scheme-less: how an input line without a scheme is tried. The first scheme is the one ParseUrl gives
// such a line; with two, a row whose first scheme failed before any response goes on with the second,
// once (docs/flags.md, docs/errors.md "Lines without a scheme"). Pure: the Task calls these where an
// attempt fails.
#pragma once

#include <string_view>

#include "core/errors.h"
#include "core/options.h"
#include "scanner/url.h"

namespace urlsweep {

// Whether a line without a scheme is parsed as https first.
inline bool SchemeLessFirstIsHttps(SchemeLess mode) {
  return mode == SchemeLess::kHttps || mode == SchemeLess::kHttpsThenHttp;
}

// Whether a failure with `code` and no status line lets the second scheme be tried: the connection,
// TLS handshake or exchange failed before any response. Not DNS (the name does not change with the
// scheme), nor --exclude, a refused certificate under --tls-verify strict (that server answered), the
// proxy's own failures, redirect limits, or the --timeout budget (nothing is left of it).
bool FailureAllowsSecondScheme(ErrorCode code);

// When `target` came from a line without a scheme, `mode` names two schemes and the target still
// holds the first: replaces it with the same URL under the second scheme (the port follows the new
// scheme unless the line gave one) and returns true. Otherwise false, `target` untouched. At most once
// per row: the replaced target is no longer schemeless.
bool SwitchToSecondScheme(SchemeLess mode, Target* target);

// Parses "https,http", "http", "http,https", "https" (any case, spaces around names allowed); false
// for anything else (an empty list, another scheme, a name twice).
bool ParseSchemeLess(std::string_view text, SchemeLess* mode);

}  // namespace urlsweep
