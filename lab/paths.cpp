#include "lab/paths.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <unistd.h>

#include "lab/embedded_testcerts.hpp"

namespace tlsprobe::lab {
namespace {

namespace fs = std::filesystem;

std::runtime_error write_error(const fs::path& path) {
    return std::runtime_error("cannot write the lab's test certificates to " + path.string() +
                              ": " + std::strerror(errno));
}

// The embedded test PKI written out to a private directory for code that takes file names
// (SSL_CTX_use_certificate_chain_file and friends); removed at exit by the destructor.
// A process killed by a signal leaves the directory (about 120 KB) in $TMPDIR.
class WrittenOut {
public:
    WrittenOut() {
        std::string pattern = (fs::temp_directory_path() / "tlsprobe-testcerts-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw write_error(pattern);
        dir_ = pattern;
        try {
            for (const auto& file : detail::embedded_testcerts()) {
                const auto path = dir_ / std::string(file.name);
                std::ofstream out(path, std::ios::binary | std::ios::trunc);
                if (!out.write(file.content.data(),
                               static_cast<std::streamsize>(file.content.size())) ||
                    !out.flush())
                    throw write_error(path);
            }
        } catch (...) {
            remove();
            throw;
        }
    }
    ~WrittenOut() { remove(); }
    WrittenOut(const WrittenOut&) = delete;
    WrittenOut& operator=(const WrittenOut&) = delete;

    const fs::path& dir() const { return dir_; }

private:
    void remove() noexcept {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    fs::path dir_;
};

const fs::path& embedded_dir() {
    static const WrittenOut written;  // once per process, thread-safe; a failure is retried
    return written.dir();
}

}  // namespace

std::filesystem::path testcerts_dir() {
    if (const char* env = std::getenv("TLSPROBE_TESTCERTS"); env && *env) return env;
    return embedded_dir();
}

std::filesystem::path testcert(std::string_view name) {
    auto p = testcerts_dir() / std::string(name);
    if (!std::filesystem::exists(p))
        throw std::runtime_error(
            "test certificate not found: " + p.string() +
            " (not among the files embedded from testcerts/; check TLSPROBE_TESTCERTS if set)");
    return p;
}

}  // namespace tlsprobe::lab
