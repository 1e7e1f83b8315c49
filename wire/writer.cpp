#include "wire/writer.hpp"

#include <stdexcept>

namespace tlsprobe::wire {

void Writer::u16(std::uint16_t v) {
    out_.push_back(static_cast<std::uint8_t>(v >> 8));
    out_.push_back(static_cast<std::uint8_t>(v));
}

void Writer::u24(std::uint32_t v) {
    if (v > 0xFFFFFF) throw std::length_error("u24 value out of range");
    out_.push_back(static_cast<std::uint8_t>(v >> 16));
    out_.push_back(static_cast<std::uint8_t>(v >> 8));
    out_.push_back(static_cast<std::uint8_t>(v));
}

std::size_t Writer::open(int width) {
    const auto at = out_.size();
    out_.insert(out_.end(), static_cast<std::size_t>(width), 0);
    return at;
}

void Writer::close(std::size_t at, int width) {
    const auto len = out_.size() - at - static_cast<std::size_t>(width);
    const std::size_t max = width == 1 ? 0xFF : width == 2 ? 0xFFFF : 0xFFFFFF;
    if (len > max) throw std::length_error("length-prefixed block too long for its prefix");
    for (int i = width - 1; i >= 0; --i) {
        out_[at + static_cast<std::size_t>(i)] =
            static_cast<std::uint8_t>(len >> (8 * (width - 1 - i)));
    }
}

}  // namespace tlsprobe::wire
