// urlsweep_man_page: prints urlsweep(1) for the build to install (scanner/man_page.h).
#include <cstdio>

#include "scanner/man_page.h"

int main() {
  const std::string page = urlsweep::ManPage();
  return std::fwrite(page.data(), 1, page.size(), stdout) == page.size() && std::fflush(stdout) == 0 ? 0 : 1;
}
