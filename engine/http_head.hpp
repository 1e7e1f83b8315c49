// The pure part of the plain-HTTP check: what the bytes a server answered to HEAD / say.
#pragma once

#include <cstdint>
#include <string_view>

#include "engine/http_check.hpp"

namespace tlsprobe::engine {

// Parsed by the same Beast parser, and turned into fields by the same code, as http_check()
// (status negotiated = an HTTP response head; not_tls / protocol_error / closed for what is
// not one). Every string is safe UTF-8. The HTTP fuzzer and the tests call it.
HttpCheck read_http_head(std::string_view bytes, std::uint16_t port, std::string_view host_header);

}  // namespace tlsprobe::engine
