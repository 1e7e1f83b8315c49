// Where the lab finds its certificates.
#pragma once

#include <filesystem>
#include <string_view>

namespace tlsprobe::lab {

// The testcerts/ directory: $TLSPROBE_TESTCERTS if set, else the source tree's testcerts/
// baked in at build time (tests and `tlsprobe demo` run from a build of the source tree).
std::filesystem::path testcerts_dir();

// testcerts_dir() / name; throws std::runtime_error naming the file when it is missing.
std::filesystem::path testcert(std::string_view name);

}  // namespace tlsprobe::lab
