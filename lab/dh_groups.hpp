// DH groups for the lab's DHE servers and the key-exchange tests, computed with libcrypto when
// asked for (never pasted into the source): a published 1024-bit group, a composite modulus,
// a generator outside the prime-order subgroup.
#pragma once

#include <cstdint>
#include <vector>

namespace tlsprobe::lab {

struct DhGroup {
    std::vector<std::uint8_t> p, g;  // big-endian
};

// RFC 2409 Oakley group 2: the 1024-bit MODP safe prime, g = 2 (testssl.sh's common-primes.txt
// lists it as "RFC2409/Oakley Group 2").
DhGroup oakley_group2();
// RFC 3526 group 14 (2048-bit safe prime p = 2q + 1, g = 2; 2 is in the order-q subgroup).
DhGroup modp_2048();
// A composite 2048-bit odd modulus: the first of p + 2, p + 4, ... (p of RFC 3526 group 14)
// that BN_check_prime rejects, g = 2.
DhGroup composite_2048();
// RFC 3526 group 14's prime with the smallest generator g > 2 outside the order-q subgroup
// (g^q = p - 1: g generates the whole group of order 2q).
DhGroup modp_2048_full_group_generator();

}  // namespace tlsprobe::lab
