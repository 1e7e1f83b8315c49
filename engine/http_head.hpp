// The pure part of the plain-HTTP check: what the bytes a server answered to HEAD / say.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/http_check.hpp"

namespace tlsprobe::engine {

// Parsed by the same Beast parser, and turned into fields by the same code, as http_check()
// (status negotiated = an HTTP response head; not_tls / protocol_error / closed for what is
// not one). Every string is safe UTF-8. The HTTP fuzzer and the tests call it.
HttpCheck read_http_head(std::string_view bytes, std::uint16_t port, std::string_view host_header);

// A whole response head (HTTP over TLS: every header matters, not just Server and Location).
struct HttpResponseHead {
    bool complete = false;  // a status line and headers up to the blank line were parsed
    int status = 0;         // 200, 301, ...
    std::string status_line;
    // Every header in the order received, names as sent, values made safe UTF-8.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string detail;  // when not complete: why

    // The first value of header `name` (case-insensitive), nullptr when absent.
    const std::string* find(std::string_view name) const;
};

// Parses `bytes` (a response as received, possibly with body bytes after the head) with the
// same Beast parser as the plain-HTTP check.
HttpResponseHead read_http_response_head(std::string_view bytes);

}  // namespace tlsprobe::engine
