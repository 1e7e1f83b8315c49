// tlsprobe: the executable is only the command line; everything else lives in the libraries.
#include <iostream>
#include <string>
#include <vector>

#include "cli/cli.hpp"

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    return tlsprobe::cli::run(args, std::cout, std::cerr);
}
