#include "lab/paths.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace tlsprobe::lab {

std::filesystem::path testcerts_dir() {
    if (const char* env = std::getenv("TLSPROBE_TESTCERTS"); env && *env) return env;
    return TLSPROBE_TESTCERTS_DIR;
}

std::filesystem::path testcert(std::string_view name) {
    auto p = testcerts_dir() / std::string(name);
    if (!std::filesystem::exists(p))
        throw std::runtime_error("test certificate not found: " + p.string() +
                                 " (run testcerts/generate.sh, or set TLSPROBE_TESTCERTS)");
    return p;
}

}  // namespace tlsprobe::lab
