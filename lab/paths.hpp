// Where the lab finds its certificates.
#pragma once

#include <filesystem>
#include <string_view>

namespace tlsprobe::lab {

// The directory of the test PKI: $TLSPROBE_TESTCERTS if set, else a private temporary
// directory (mkdtemp, mode 0700) that the first call fills with the copy of testcerts/
// compiled into the binary and that is removed when the process exits. The binary does not
// read the source tree. Throws std::runtime_error when the directory cannot be written.
std::filesystem::path testcerts_dir();

// testcerts_dir() / name; throws std::runtime_error naming the file when it is missing.
std::filesystem::path testcert(std::string_view name);

}  // namespace tlsprobe::lab
