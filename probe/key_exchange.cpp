#include "probe/key_exchange.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <mutex>
#include <memory>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "probe/dh_text.hpp"

namespace tlsprobe::probe {
namespace {

constexpr std::size_t kMaxLine = 8192;
constexpr std::size_t kMaxEntries = 10000;
constexpr std::uintmax_t kMaxFileBytes = 4u << 20;

struct BnFree {
    void operator()(BIGNUM* b) const { BN_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;
struct BnCtxFree {
    void operator()(BN_CTX* c) const { BN_CTX_free(c); }
};
using BnCtx = std::unique_ptr<BN_CTX, BnCtxFree>;
struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct PkeyCtxFree {
    void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};

Bn to_bn(core::ByteView big_endian) {
    return Bn(BN_bin2bn(big_endian.data(), static_cast<int>(big_endian.size()), nullptr));
}

// A group whose p (and q) are published: RFC 7919, RFC 3526, RFC 5114, RFC 2409.
struct StandardGroup {
    std::string name;
    Bn p, g, q;   // q: the prime order of the subgroup g generates
    bool safe{};  // p = 2q + 1
};

Bn get_bn_param(const EVP_PKEY* key, const char* name) {
    BIGNUM* b = nullptr;
    if (EVP_PKEY_get_bn_param(key, name, &b) != 1) return nullptr;
    return Bn(b);
}

// OpenSSL's named DH groups, built once; a group OpenSSL cannot make is left out.
const std::vector<StandardGroup>& standard_groups() {
    static const std::vector<StandardGroup> groups = [] {
        std::vector<StandardGroup> out;
        constexpr std::array<const char*, 14> kNames{
            "ffdhe2048", "ffdhe3072",   "ffdhe4096",   "ffdhe6144",  "ffdhe8192",
            "modp_1536", "modp_2048",   "modp_3072",   "modp_4096",  "modp_6144",
            "modp_8192", "dh_1024_160", "dh_2048_224", "dh_2048_256"};
        for (const std::string name : kNames) {
            std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
                EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr));
            if (!ctx || EVP_PKEY_paramgen_init(ctx.get()) != 1) continue;
            std::string group = name;
            const std::array<OSSL_PARAM, 2> params{
                OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group.data(), 0),
                OSSL_PARAM_construct_end()};
            if (EVP_PKEY_CTX_set_params(ctx.get(), params.data()) != 1) continue;
            EVP_PKEY* raw = nullptr;
            if (EVP_PKEY_paramgen(ctx.get(), &raw) != 1) continue;
            std::unique_ptr<EVP_PKEY, PkeyFree> key(raw);
            StandardGroup s;
            s.name = name;
            s.p = get_bn_param(key.get(), OSSL_PKEY_PARAM_FFC_P);
            s.g = get_bn_param(key.get(), OSSL_PKEY_PARAM_FFC_G);
            s.q = get_bn_param(key.get(), OSSL_PKEY_PARAM_FFC_Q);
            if (!s.p || !s.g || !s.q) continue;
            s.safe = name.rfind("dh_", 0) != 0;
            out.push_back(std::move(s));
        }
        // RFC 2409 Oakley groups 1 and 2 (768 and 1024 bits, g = 2, safe primes): no OpenSSL
        // group name, but libcrypto has their primes.
        const std::array<std::pair<const char*, BIGNUM* (*)(BIGNUM*)>, 2> kOakley{
            {{"rfc2409_768", &BN_get_rfc2409_prime_768},
             {"rfc2409_1024", &BN_get_rfc2409_prime_1024}}};
        for (const auto& [name, get] : kOakley) {
            StandardGroup s;
            s.name = name;
            s.p = Bn(get(nullptr));
            s.g = Bn(BN_new());
            s.q = Bn(BN_new());
            if (!s.p || !s.g || !s.q || BN_set_word(s.g.get(), 2) != 1 ||
                !BN_rshift1(s.q.get(), s.p.get()))
                continue;
            s.safe = true;
            out.push_back(std::move(s));
        }
        return out;
    }();
    return groups;
}

bool is_hex_line(std::string_view line) {
    return !line.empty() && std::all_of(line.begin(), line.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c));
    });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

std::string normalized_hex(std::string_view hex) {
    std::string out;
    out.reserve(hex.size());
    for (char c : hex)
        out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    const auto first = out.find_first_not_of('0');
    return first == std::string::npos ? std::string("0") : out.substr(first);
}

// a^e mod m == 1
bool power_is_one(const BIGNUM* a, const BIGNUM* e, const BIGNUM* m, BN_CTX* ctx) {
    Bn r(BN_new());
    return r && BN_mod_exp(r.get(), a, e, m, ctx) == 1 && BN_is_one(r.get());
}

// 1 < x < p - 1
bool inside_range(const BIGNUM* x, const BIGNUM* p_minus_1) {
    return BN_cmp(x, BN_value_one()) > 0 && BN_cmp(x, p_minus_1) < 0;
}

}  // namespace

std::string big_hex(core::ByteView big_endian) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(big_endian.size() * 2);
    for (auto b : big_endian) {
        out.push_back(kDigits[b >> 4]);
        out.push_back(kDigits[b & 0x0F]);
    }
    const auto first = out.find_first_not_of('0');
    return first == std::string::npos ? std::string("0") : out.substr(first);
}

std::string short_number(std::string_view hex) {
    if (hex.size() <= 8) {
        unsigned long value = 0;
        for (char c : hex) {
            const auto d = static_cast<unsigned char>(c);
            value = value * 16 + static_cast<unsigned long>(
                                     std::isdigit(d) ? d - '0' : std::toupper(d) - 'A' + 10);
        }
        return std::to_string(value);
    }
    return fmt::format("0x{}...", hex.substr(0, 16));
}

CommonPrimes parse_common_primes(std::string_view text) {
    CommonPrimes out;
    out.loaded = true;
    std::string pending;
    std::size_t start = 0;
    while (start < text.size() && out.primes.size() < kMaxEntries) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        const auto raw = text.substr(start, end - start);
        start = end + 1;
        if (raw.size() > kMaxLine) {
            pending.clear();
            continue;
        }
        const auto line = trim(raw);
        if (line.empty()) continue;
        if (line.front() == '#') {
            // # "name"  (a comment without quotes names nothing)
            const auto open = line.find('"');
            const auto close = line.rfind('"');
            pending = open != std::string_view::npos && close > open
                          ? std::string(line.substr(open + 1, close - open - 1))
                          : std::string{};
            continue;
        }
        if (is_hex_line(line)) {
            out.primes.push_back({pending.empty() ? "unnamed" : pending, normalized_hex(line)});
            pending.clear();
        }
    }
    return out;
}

CommonPrimes load_common_primes(const std::filesystem::path& file) {
    CommonPrimes out;
    out.source = file.string();
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    if (ec) {
        out.error = fmt::format("{}: {}", file.string(), ec.message());
        return out;
    }
    if (size > kMaxFileBytes) {
        out.error = fmt::format("{}: larger than {} bytes", file.string(), kMaxFileBytes);
        return out;
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        out.error = fmt::format("{}: cannot be opened", file.string());
        return out;
    }
    std::string text(static_cast<std::size_t>(size), '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(std::max<std::streamsize>(0, in.gcount())));
    out = parse_common_primes(text);
    out.source = file.string();
    return out;
}

std::shared_ptr<const CommonPrimes> shared_common_primes(const std::filesystem::path& file) {
    struct Entry {
        std::uintmax_t size = 0;
        std::filesystem::file_time_type mtime{};
        std::shared_ptr<const CommonPrimes> list;
    };
    static std::mutex mutex;
    static std::map<std::string, Entry> cache;
    std::error_code size_error, time_error;
    const auto size = std::filesystem::file_size(file, size_error);
    const auto mtime = std::filesystem::last_write_time(file, time_error);
    std::lock_guard lock(mutex);
    auto& entry = cache[file.string()];
    // A file that cannot be stated is read again each time: its error may be passing.
    if (entry.list && !size_error && !time_error && entry.size == size && entry.mtime == mtime)
        return entry.list;
    entry.list = std::make_shared<const CommonPrimes>(load_common_primes(file));
    entry.size = size;
    entry.mtime = mtime;
    return entry.list;
}

DhGroupFacts analyze_dh_group(const core::Bytes& p_bytes, const core::Bytes& g_bytes,
                              std::span<const core::Bytes> public_keys,
                              const CommonPrimes* common) {
    DhGroupFacts f;
    const BnCtx ctx(BN_CTX_new());
    const Bn p = to_bn(p_bytes), g = to_bn(g_bytes);
    if (!ctx || !p || !g) {
        f.notes.emplace_back("not analysed: out of memory");
        return f;
    }
    f.bits = BN_num_bits(p.get());
    f.generator_hex = big_hex(g_bytes);  // at most 2 * 65535 digits (a 16-bit vector)
    if (f.bits > kMaxAnalysedDhBits) {
        f.notes.push_back(fmt::format("not analysed: larger than {} bits", kMaxAnalysedDhBits));
        return f;
    }
    f.prime_hex = big_hex(p_bytes);

    if (common && common->loaded) {
        f.common_prime_checked = true;
        for (const auto& c : common->primes)
            if (c.prime_hex == f.prime_hex) {
                f.common_prime = c.name;
                break;
            }
    } else {
        f.notes.push_back(fmt::format(
            "common-prime check not done{}",
            common && !common->error.empty() ? " (" + common->error + ")" : std::string{}));
    }

    // p even, or below 3: nothing else is meaningful.
    if (f.bits < 2 || !BN_is_odd(p.get())) {
        f.prime = false;
        f.problems.emplace_back("p is not prime: it is even or smaller than 3");
        return f;
    }
    Bn p_minus_1(BN_dup(p.get()));
    if (!p_minus_1 || BN_sub_word(p_minus_1.get(), 1) != 1) {
        f.notes.emplace_back("not analysed: out of memory");
        return f;
    }

    // The subgroup order: a standard group's published q, or (p-1)/2 of a tested safe prime.
    Bn q;
    const auto& standard = standard_groups();
    const auto known = std::find_if(standard.begin(), standard.end(), [&](const StandardGroup& s) {
        return BN_cmp(s.p.get(), p.get()) == 0;
    });
    if (known != standard.end()) {
        f.standard_name = known->name;
        f.prime = true;
        f.safe_prime = known->safe;
        q.reset(BN_dup(known->q.get()));
        f.notes.push_back(
            fmt::format("p is the published prime of {}: primality not re-tested", known->name));
    } else if (f.bits > kMaxPrimalityBits) {
        f.notes.push_back(fmt::format("primality not tested above {} bits", kMaxPrimalityBits));
    } else {
        const int is_prime = BN_check_prime(p.get(), ctx.get(), nullptr);
        if (is_prime < 0) {
            f.notes.emplace_back("primality test failed inside OpenSSL: not tested");
        } else if (is_prime == 0) {
            f.prime = false;
            f.problems.emplace_back(
                "p is not prime (composite): the discrete logarithm splits over its factors "
                "(BN_check_prime)");
        } else {
            f.prime = true;
            Bn half(BN_new());
            if (half && BN_rshift1(half.get(), p.get()) == 1) {  // (p-1)/2 for odd p
                const int safe = BN_check_prime(half.get(), ctx.get(), nullptr);
                if (safe >= 0) f.safe_prime = safe == 1;
                if (safe == 1) q = std::move(half);
            }
            if (f.safe_prime == false)
                f.notes.emplace_back(
                    "p is prime but not a safe prime ((p-1)/2 is composite) and TLS does not "
                    "send the subgroup order: g and Ys are checked for their range only");
        }
    }

    // The generator.
    if (!inside_range(g.get(), p_minus_1.get())) {
        f.generator_ok = false;
        f.problems.push_back(fmt::format(
            "generator g = {} is outside 1 < g < p-1: it generates a subgroup of order 1 or 2",
            short_number(f.generator_hex)));
    } else if (q && f.prime == true && f.safe_prime == true) {
        // With a safe prime every g in range generates the order-q or the whole order-2q group;
        // OpenSSL before 3.0 made such order-2q groups on purpose. Only the exponent's parity
        // shows: no small-subgroup attack, so it is a note, not a fault.
        f.generator_ok = true;
        // g^q = g^((p-1)/2) mod p is the Legendre symbol (g|p) (Euler's criterion): the
        // Kronecker symbol gives it without a 2048-bit exponentiation per target.
        if (BN_kronecker(g.get(), p.get(), ctx.get()) != 1)
            f.notes.push_back(fmt::format(
                "generator g = {} generates the whole group (order 2q), not the prime-order "
                "subgroup: public keys show the exponent's parity only (harmless with a safe "
                "prime)",
                short_number(f.generator_hex)));
    } else if (q && f.prime == true) {
        f.generator_ok = power_is_one(g.get(), q.get(), p.get(), ctx.get());
        if (!*f.generator_ok)
            f.problems.push_back(fmt::format(
                "generator g = {} is outside the prime-order subgroup (g^q mod p != 1, q = {}): "
                "public keys leak the private exponent modulo the small factors of p-1",
                short_number(f.generator_hex),
                f.safe_prime == true ? "(p-1)/2" : "the published subgroup order"));
    } else if (f.prime == true) {
        f.generator_ok = true;  // range only: q unknown
    }

    // The server's public keys.
    if (f.prime != false && !public_keys.empty()) {
        bool all_ok = true;
        std::size_t out_of_range = 0, outside_subgroup = 0;
        for (const auto& ys_bytes : public_keys) {
            if (f.public_keys_checked >= kMaxDhPublicKeys) break;
            ++f.public_keys_checked;
            const Bn ys = to_bn(ys_bytes);
            if (!ys) continue;
            if (!inside_range(ys.get(), p_minus_1.get())) {
                ++out_of_range;
                all_ok = false;
            } else if (q && f.prime == true && f.safe_prime != true &&
                       !power_is_one(ys.get(), q.get(), p.get(), ctx.get())) {
                // (With a safe prime a Ys in range lies in the order-q or order-2q group: fine.)
                ++outside_subgroup;
                all_ok = false;
            }
        }
        f.public_keys_ok = all_ok;
        if (out_of_range)
            f.problems.push_back(fmt::format("{} of {} server public keys Ys outside 1 < Ys < p-1",
                                             out_of_range, f.public_keys_checked));
        if (outside_subgroup)
            f.problems.push_back(fmt::format(
                "{} of {} server public keys Ys outside the prime-order subgroup (Ys^q mod p != 1)",
                outside_subgroup, f.public_keys_checked));
    }
    return f;
}

}  // namespace tlsprobe::probe
