// The real server behind enumerate_ciphers(): each HelloRequest becomes a raw ClientHello
// (wire/ presets), sent through the engines, and the server's first flight becomes the
// ServerChoice the walks read. The walks themselves are in cipher_enumeration.cpp.
#include <algorithm>
#include <exception>
#include <string>

#include "probe/cipher_enumeration.hpp"
#include "wire/constants.hpp"
#include "wire/hello_presets.hpp"

namespace tlsprobe::probe {

using core::Status;
using core::Version;
using engine::make_raw_hello;
using engine::RawClientOptions;
using engine::RawHello;
using engine::RawProbeOptions;
using engine::RawResult;
namespace asio = boost::asio;

RawHello enumeration_hello(const HelloRequest& request, const std::optional<std::string>& sni) {
    if (request.version == Version::ssl2) {
        auto spec = wire::preset_ssl2_client_hello();
        spec.cipher_specs = request.cipher_suites;
        return make_raw_hello(spec);
    }
    wire::HelloOptions o;
    o.server_name = sni;
    for (auto c : request.cipher_suites) o.cipher_suites.push_back(static_cast<std::uint16_t>(c));
    // TLS 1.3 key shares: none when the server must name a group (a HelloRetryRequest), else
    // the usual two, less those the request does not offer. Only the shares sent are made.
    if (!request.key_shares) {
        o.key_share_groups.emplace();
    } else if (!request.groups.empty()) {
        o.key_share_groups.emplace();
        for (auto g : {wire::group::x25519, wire::group::secp256r1})
            if (std::find(request.groups.begin(), request.groups.end(), g) != request.groups.end())
                o.key_share_groups->push_back(g);
    }
    auto spec = wire::preset_client_hello(request.version, o);
    if (!request.groups.empty()) spec.supported_groups = request.groups;
    return make_raw_hello(spec);
}

ServerChoice to_server_choice(const RawResult& result, const HelloRequest& request) {
    const auto& o = result.observation;
    const auto& f = result.flight;
    ServerChoice c;
    c.detail = o.detail;
    switch (o.status) {
        case Status::negotiated:
            c.outcome = ServerChoice::Outcome::chose;
            if (f.ssl2_hello) {
                c.ssl2_ciphers = f.ssl2_hello->cipher_specs;
                for (auto k : c.ssl2_ciphers)
                    if (std::find(request.cipher_suites.begin(), request.cipher_suites.end(), k) !=
                        request.cipher_suites.end()) {
                        c.cipher_suite = k;
                        break;
                    }
            } else if (f.hello) {
                c.cipher_suite = f.hello->cipher_suite;
                c.group = f.hello->key_share_group;
                if (f.kx && f.kx->kind == wire::KeyExchangeInfo::Kind::ecdhe)
                    c.group = f.kx->named_group;
                if (f.kx && f.kx->kind == wire::KeyExchangeInfo::Kind::dhe) {
                    c.dh_bits = f.kx->dh_prime_bits;
                    c.dh = {f.kx->dh_p, f.kx->dh_g, f.kx->dh_ys};
                }
            }
            break;
        case Status::rejected_alert:
        case Status::reset:
        case Status::closed: c.outcome = ServerChoice::Outcome::refused; break;
        case Status::protocol_error:
            // A lower version than asked for: the version is not supported, nothing to enumerate.
            c.outcome = o.version && *o.version < request.version ? ServerChoice::Outcome::refused
                                                                  : ServerChoice::Outcome::failed;
            break;
        default: c.outcome = ServerChoice::Outcome::failed; break;
    }
    return c;
}

namespace {
asio::awaitable<ServerChoice> send_raw(engine::Engines& engines, asio::ip::tcp::endpoint peer,
                                       RawProbeOptions options, HelloRequest request) {
    RawHello hello;
    try {
        hello = enumeration_hello(request, options.sni);
    } catch (
        const std::exception& e) {  // the DRBG failed, or an encoder bug: reported as a failure
        ServerChoice failed;
        failed.detail = std::string("internal error: could not build the ClientHello: ") + e.what();
        co_return failed;
    }
    RawClientOptions raw_options;
    raw_options.timeout = options.timeout;
    raw_options.upgrade = options.upgrade;
    RawResult result = co_await engines.raw(peer, std::move(hello), raw_options);
    co_return to_server_choice(result, request);
}
}  // namespace

HelloFn raw_hello_fn(engine::Engines& engines, asio::ip::tcp::endpoint peer,
                     RawProbeOptions options) {
    return [&engines, peer, options](HelloRequest request) {
        return send_raw(engines, peer, options, std::move(request));
    };
}

asio::awaitable<CipherEnumeration> enumerate_ciphers(engine::Engines& engines,
                                                     asio::ip::tcp::endpoint peer,
                                                     RawProbeOptions probe,
                                                     EnumerationOptions options) {
    CipherEnumeration e = co_await enumerate_ciphers(raw_hello_fn(engines, peer, std::move(probe)),
                                                     std::move(options));
    co_return e;
}

}  // namespace tlsprobe::probe
