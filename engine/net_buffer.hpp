// One connection's network buffer, allocated once the connection is up (engine-internal).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace tlsprobe::engine {

// The reads of one connection, and the bytes OpenSSL hands over to send.
using NetBuffer = std::array<std::uint8_t, 16 * 1024>;

// Allocates a NetBuffer once the TCP connect succeeded. The engines never declare one in a
// coroutine body: a coroutine frame holds every local from its first instruction, so an
// in-frame buffer cost 16 kB for each attempt still connecting, refused, or queued for the
// CPU, the largest part of what a scan target in flight held.
std::unique_ptr<NetBuffer> allocate_net_buffer();
// How many allocate_net_buffer() made in this process (tests: a refused connect makes none).
std::size_t net_buffers_allocated();

}  // namespace tlsprobe::engine
