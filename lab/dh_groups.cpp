#include "lab/dh_groups.hpp"

#include <memory>
#include <openssl/bn.h>
#include <stdexcept>

namespace tlsprobe::lab {
namespace {

struct BnFree {
    void operator()(BIGNUM* b) const { BN_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;
struct BnCtxFree {
    void operator()(BN_CTX* c) const { BN_CTX_free(c); }
};

std::vector<std::uint8_t> bytes_of(const BIGNUM* n) {
    std::vector<std::uint8_t> out(static_cast<std::size_t>(BN_num_bytes(n)));
    BN_bn2bin(n, out.data());
    return out;
}

Bn checked(BIGNUM* n) {
    if (!n) throw std::runtime_error("lab DH group: out of memory");
    return Bn(n);
}

Bn word(unsigned long w) {
    Bn n = checked(BN_new());
    if (BN_set_word(n.get(), w) != 1) throw std::runtime_error("lab DH group: BN_set_word");
    return n;
}

}  // namespace

DhGroup oakley_group2() {
    const Bn p = checked(BN_get_rfc2409_prime_1024(nullptr));
    return {bytes_of(p.get()), {2}};
}

DhGroup modp_2048() {
    const Bn p = checked(BN_get_rfc3526_prime_2048(nullptr));
    return {bytes_of(p.get()), {2}};
}

DhGroup composite_2048() {
    const std::unique_ptr<BN_CTX, BnCtxFree> ctx(BN_CTX_new());
    Bn p = checked(BN_get_rfc3526_prime_2048(nullptr));
    if (!ctx) throw std::runtime_error("lab DH group: out of memory");
    // Primes near 2^2048 are about 1400 apart: the first few odd neighbours are composite.
    for (int i = 0; i < 256; ++i) {
        if (BN_add_word(p.get(), 2) != 1) break;
        if (BN_check_prime(p.get(), ctx.get(), nullptr) == 0) return {bytes_of(p.get()), {2}};
    }
    throw std::runtime_error("lab DH group: no composite found (cannot happen)");
}

DhGroup modp_2048_full_group_generator() {
    const std::unique_ptr<BN_CTX, BnCtxFree> ctx(BN_CTX_new());
    const Bn p = checked(BN_get_rfc3526_prime_2048(nullptr));
    const Bn q = checked(BN_new());
    const Bn r = checked(BN_new());
    if (!ctx || BN_rshift1(q.get(), p.get()) != 1)
        throw std::runtime_error("lab DH group: out of memory");
    // Half of all residues are non-residues: one turns up within a few tries.
    for (unsigned long g = 3; g < 1000; ++g) {
        const Bn gb = word(g);
        if (BN_mod_exp(r.get(), gb.get(), q.get(), p.get(), ctx.get()) != 1) break;
        if (!BN_is_one(r.get())) return {bytes_of(p.get()), bytes_of(gb.get())};
    }
    throw std::runtime_error("lab DH group: no non-residue found (cannot happen)");
}

}  // namespace tlsprobe::lab
