#include "core/openssl_error.hpp"

#include <openssl/err.h>

namespace tlsprobe::core {

std::string take_openssl_error() {
    std::string text;
    unsigned long code = 0;
    // The oldest error on the queue is usually the root cause; keep it, drain the rest.
    while ((code = ERR_get_error()) != 0) {
        if (text.empty()) {
            const char* reason = ERR_reason_error_string(code);
            text = reason ? reason : "OpenSSL error " + std::to_string(code);
        }
    }
    return text;
}

}  // namespace tlsprobe::core
