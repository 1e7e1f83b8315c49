#include "wire/reader.hpp"

#include <fmt/format.h>

namespace tlsprobe::wire {

using core::ByteView;

Underflow::Underflow(std::size_t wanted, std::size_t left)
    : std::runtime_error(fmt::format("data underflow: wanted {} bytes, {} left", wanted, left)),
      wanted_(wanted),
      left_(left) {}

void Reader::need(std::size_t n) const {
    if (n > remaining()) throw Underflow(n, remaining());
}

std::uint8_t Reader::u8() {
    need(1);
    return data_[pos_++];
}

std::uint16_t Reader::u16() {
    need(2);
    const auto v = static_cast<std::uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
    pos_ += 2;
    return v;
}

std::uint32_t Reader::u24() {
    need(3);
    const auto v = (std::uint32_t{data_[pos_]} << 16) | (std::uint32_t{data_[pos_ + 1]} << 8) |
                   data_[pos_ + 2];
    pos_ += 3;
    return v;
}

std::uint32_t Reader::u32() {
    need(4);
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | data_[pos_ + static_cast<std::size_t>(i)];
    pos_ += 4;
    return v;
}

ByteView Reader::bytes(std::size_t n) {
    need(n);
    const auto out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
}

}  // namespace tlsprobe::wire
