// OpenSSL's per-thread error queue as one line of text, for engines and lab servers alike.
#pragma once

#include <string>

namespace tlsprobe::core {

// The oldest OpenSSL error on this thread as text ("wrong version number"), and clears the
// thread's error queue. "" when there is none.
std::string take_openssl_error();

}  // namespace tlsprobe::core
