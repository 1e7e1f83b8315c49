// Bounded cursor over received bytes: every read checks the bound and throws on underflow.
//
// Decoders are written as straight-line code ("read a u16, then a vector<u8>") and never
// index past the end: a short or inconsistent input becomes an Underflow exception, which
// the public decode functions turn into a value (truncated or malformed). The shape follows
// ccache's span reader.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "core/bytes.hpp"

namespace tlsprobe::wire {

// Thrown when a read needs more bytes than the cursor has left.
class Underflow : public std::runtime_error {
public:
    Underflow(std::size_t wanted, std::size_t left);
    std::size_t wanted() const { return wanted_; }
    std::size_t left() const { return left_; }

private:
    std::size_t wanted_;
    std::size_t left_;
};

class Reader {
public:
    explicit Reader(core::ByteView data) : data_(data) {}

    std::uint8_t u8();
    std::uint16_t u16();  // big-endian ("network order", RFC 8446 §3.3)
    std::uint32_t u24();
    std::uint32_t u32();
    // The next n bytes as a view into the input; advances past them.
    core::ByteView bytes(std::size_t n);
    void skip(std::size_t n) { (void)bytes(n); }
    template <std::size_t N>
    std::array<std::uint8_t, N> array() {
        std::array<std::uint8_t, N> out{};
        const auto b = bytes(N);
        for (std::size_t i = 0; i < N; ++i) out[i] = b[i];
        return out;
    }

    // Variable-length vectors with a 1-, 2- or 3-byte length prefix (RFC 8446 §3.4), returned
    // as a sub-reader bounded by that length.
    Reader vec8() { return Reader(bytes(u8())); }
    Reader vec16() { return Reader(bytes(u16())); }
    Reader vec24() { return Reader(bytes(u24())); }

    std::size_t remaining() const { return data_.size() - pos_; }
    std::size_t position() const { return pos_; }
    bool empty() const { return remaining() == 0; }
    // What has not been read yet, without advancing.
    core::ByteView rest() const { return data_.subspan(pos_); }

private:
    void need(std::size_t n) const;

    core::ByteView data_;
    std::size_t pos_ = 0;
};

}  // namespace tlsprobe::wire
