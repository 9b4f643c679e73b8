// aitbc: the user's command line (docs in README.md, "CLI reference").
#include <iostream>

#include "cli/config.h"
#include "cli/context.h"

int main(int argc, char** argv) {
  return aitbc::cli::RunCli(argc, argv, std::cout, std::cerr, aitbc::cli::ProcessEnvironment());
}
