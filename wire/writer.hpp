// Append-only encoder for TLS structures, with length-prefixed nested blocks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "core/bytes.hpp"

namespace tlsprobe::wire {

class Writer {
public:
    void u8(std::uint8_t v) { out_.push_back(v); }
    void u16(std::uint16_t v);
    void u24(std::uint32_t v);  // must fit in 24 bits
    void bytes(core::ByteView b) { out_.insert(out_.end(), b.begin(), b.end()); }
    void text(std::string_view s) { out_.insert(out_.end(), s.begin(), s.end()); }
    void zeros(std::size_t n) { out_.insert(out_.end(), n, 0); }

    // Writes a `width`-byte length (1, 2 or 3) followed by whatever `body` writes
    // (RFC 8446 §3.4 variable-length vectors). Throws std::length_error when the body does not
    // fit the width: an encoder bug, never a runtime condition.
    template <typename Body>
    void prefixed(int width, Body&& body) {
        const auto at = open(width);
        body(*this);
        close(at, width);
    }

    std::size_t size() const { return out_.size(); }
    const core::Bytes& data() const { return out_; }
    core::Bytes take() { return std::move(out_); }

private:
    std::size_t open(int width);
    void close(std::size_t at, int width);

    core::Bytes out_;
};

}  // namespace tlsprobe::wire
