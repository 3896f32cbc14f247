// The man page, urlsweep(1), in man(7) macros: the flags from the one table --help renders
// (scanner/help_text.h), the columns from core/row.h and the error words from core/errors.h, so the
// page cannot drift from the program. The build writes it with urlsweep_man_page (man_page_main.cc)
// and `cmake --install` puts it in share/man/man1.
#pragma once

#include <string>

namespace urlsweep {

std::string ManPage();

}  // namespace urlsweep
