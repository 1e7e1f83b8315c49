// The test PKI (testcerts/*.pem, *.key and the fingerprint files) compiled into the binary,
// so `tlsprobe demo` and the lab work without the source tree. Generated at build time by
// lab/embed_files.cmake; lab/paths.cpp writes the files out once per process.
#pragma once

#include <span>
#include <string_view>

namespace tlsprobe::lab::detail {

struct EmbeddedFile {
    std::string_view name;     // e.g. "good.chain.pem"
    std::string_view content;  // the file's bytes
};

// Every embedded file, sorted by name.
std::span<const EmbeddedFile> embedded_testcerts();

}  // namespace tlsprobe::lab::detail
