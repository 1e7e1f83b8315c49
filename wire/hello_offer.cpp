#include "wire/hello_offer.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "wire/cipher_suites.hpp"
#include "wire/constants.hpp"

namespace tlsprobe::wire {

namespace {

template <typename List, typename T>
bool contains(const List& list, T value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

std::string ext_text(std::uint16_t type) {
    return fmt::format("{} ({})", extension_name(type), type);
}

std::string version_text(std::uint16_t wire) {
    const auto v = core::version_from_wire(wire);
    return v ? std::string(core::display_name(*v)) : fmt::format("0x{:04x}", wire);
}

// RFC 8446 §4.2: the extensions a TLS 1.3 ServerHello / HelloRetryRequest may carry.
bool allowed_in_tls13(std::uint16_t type, bool retry) {
    if (type == ext::supported_versions || type == ext::key_share) return true;
    return retry ? type == ext::cookie : type == ext::pre_shared_key;
}

// An extension type the client did not send may still be answered: renegotiation_info after
// the SCSV (RFC 5746 §3.4, §3.6), cookie in a HelloRetryRequest (RFC 8446 §4.1.4).
bool solicited(std::uint16_t type, const HelloOffer& offer, bool retry) {
    if (offer.offers_extension(type)) return true;
    if (type == ext::renegotiation_info) return offer.renegotiation;
    return retry && type == ext::cookie;
}

}  // namespace

bool HelloOffer::offers_extension(std::uint16_t type) const { return contains(extensions, type); }

HelloOffer offer_of(const ParsedClientHello& hello) {
    HelloOffer o;
    o.cipher_suites = hello.cipher_suites;
    for (const auto& e : hello.extensions) o.extensions.push_back(e.type);
    o.supported_versions = hello.supported_versions;
    o.supported_groups = hello.supported_groups;
    o.key_share_groups = hello.key_share_groups;
    o.renegotiation = hello.renegotiation_info;
    if (!hello.ssl2_format) o.compression_methods = hello.compression_methods;
    return o;
}

std::optional<std::string> server_hello_violation(const ServerHello& h, const HelloOffer& offer) {
    const bool retry = h.hello_retry_request;
    const char* what = retry ? "HelloRetryRequest" : "ServerHello";
    if (!contains(offer.cipher_suites, std::uint32_t{h.cipher_suite}))
        return fmt::format(
            "the server chose cipher suite {}, which was not offered (RFC 8446 §4.1.3, RFC 5246 "
            "§7.4.1.3)",
            cipher_suite_name(h.cipher_suite));
    if (!contains(offer.compression_methods, h.compression))
        return fmt::format(
            "the server chose compression method {}, which was not offered (RFC 8446 §4.1.3, RFC "
            "5246 §7.4.1.3)",
            h.compression);
    for (const auto& e : h.extensions)
        if (!solicited(e.type, offer, retry))
            return fmt::format(
                "the {} carries extension {}, which the ClientHello did not offer (RFC 8446 §4.2, "
                "RFC 5246 §7.4.1.4: unsupported_extension)",
                what, ext_text(e.type));
    if (h.selected_version) {
        const auto v = *h.selected_version;
        if (!contains(offer.supported_versions, v))
            return fmt::format(
                "the {}'s supported_versions selects {}, which was not offered (RFC 8446 §4.2.1)",
                what, version_text(v));
        if (v < 0x0304)
            return fmt::format(
                "the {}'s supported_versions selects {}, below TLS 1.3 (RFC 8446 §4.2.1)", what,
                version_text(v));
    }
    if (h.negotiated_wire_version() < 0x0304) {
        if (retry)
            return std::string(
                "a HelloRetryRequest that does not select TLS 1.3 with supported_versions (RFC "
                "8446 §4.1.4)");
        return std::nullopt;
    }
    // TLS 1.3 from here on.
    for (const auto& e : h.extensions)
        if (!allowed_in_tls13(e.type, retry))
            return fmt::format(
                "a TLS 1.3 {} may not carry extension {} (RFC 8446 §4.2: illegal_parameter)", what,
                ext_text(e.type));
    if (retry) {
        if (!h.key_share_group) return std::nullopt;  // a cookie-only retry is allowed
        const auto g = *h.key_share_group;
        if (!contains(offer.supported_groups, g))
            return fmt::format(
                "the HelloRetryRequest asks for group {} ({}), which supported_groups did not "
                "offer (RFC 8446 §4.1.4: illegal_parameter)",
                group_name(g), g);
        if (contains(offer.key_share_groups, g))
            return fmt::format(
                "the HelloRetryRequest asks for group {} ({}), for which the ClientHello already "
                "sent a key share (RFC 8446 §4.1.4: illegal_parameter)",
                group_name(g), g);
        return std::nullopt;
    }
    if (!h.key_share_group)
        return std::string(
            "the TLS 1.3 ServerHello has no key_share, and no pre-shared key was offered (RFC "
            "8446 §4.2.8, §9.2)");
    if (!contains(offer.key_share_groups, *h.key_share_group))
        return fmt::format(
            "the ServerHello's key share is in group {} ({}), for which the ClientHello sent no "
            "share (RFC 8446 §4.2.8: illegal_parameter)",
            group_name(*h.key_share_group), *h.key_share_group);
    return std::nullopt;
}

}  // namespace tlsprobe::wire
