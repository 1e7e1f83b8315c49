#include "probe/platform.hpp"

#include <array>

namespace tlsprobe::probe {

namespace {

struct SoftwareName {
    ServerSoftware software;
    std::string_view id, display;
};
constexpr std::array<SoftwareName, 18> kSoftware{{
    {ServerSoftware::unknown, "unknown", "unknown server"},
    {ServerSoftware::iis, "iis", "IIS / HTTP.sys"},
    {ServerSoftware::nginx, "nginx", "nginx"},
    {ServerSoftware::apache, "apache", "Apache httpd"},
    {ServerSoftware::haproxy, "haproxy", "HAProxy"},
    {ServerSoftware::java, "java", "Java / Tomcat"},
    {ServerSoftware::go, "go", "Go (net/http, Caddy, Traefik)"},
    {ServerSoftware::envoy, "envoy", "Envoy"},
    {ServerSoftware::cdn, "cdn", "CDN edge"},
    {ServerSoftware::postfix, "postfix", "Postfix"},
    {ServerSoftware::exchange, "exchange", "Exchange / IIS SMTP"},
    {ServerSoftware::exim, "exim", "Exim"},
    {ServerSoftware::sendmail, "sendmail", "Sendmail"},
    {ServerSoftware::dovecot, "dovecot", "Dovecot"},
    {ServerSoftware::openldap, "openldap", "OpenLDAP slapd"},
    {ServerSoftware::active_directory, "active_directory", "Active Directory LDAP"},
    {ServerSoftware::postgresql, "postgresql", "PostgreSQL"},
    {ServerSoftware::mysql, "mysql", "MySQL / MariaDB"},
}};

}  // namespace

bool is_service_software(ServerSoftware s) { return s >= ServerSoftware::postfix; }

std::string_view to_string(ServerSoftware s) {
    for (const auto& n : kSoftware)
        if (n.software == s) return n.id;
    return "unknown";
}

std::string_view display_name(ServerSoftware s) {
    for (const auto& n : kSoftware)
        if (n.software == s) return n.display;
    return "unknown server";
}

std::optional<ServerSoftware> parse_server_software(std::string_view id) {
    for (const auto& n : kSoftware)
        if (n.id == id) return n.software;
    return std::nullopt;
}

std::string_view to_string(TlsStack s) {
    switch (s) {
        case TlsStack::schannel: return "schannel";
        case TlsStack::openssl: return "openssl";
        case TlsStack::boringssl: return "boringssl";
        case TlsStack::nss: return "nss";
        case TlsStack::jsse: return "jsse";
        case TlsStack::go: return "go";
        case TlsStack::gnutls: return "gnutls";
        case TlsStack::unknown: break;
    }
    return "unknown";
}

std::string_view display_name(TlsStack s) {
    switch (s) {
        case TlsStack::schannel: return "Schannel";
        case TlsStack::openssl: return "OpenSSL";
        case TlsStack::boringssl: return "BoringSSL";
        case TlsStack::nss: return "NSS";
        case TlsStack::jsse: return "JSSE";
        case TlsStack::go: return "Go crypto/tls";
        case TlsStack::gnutls: return "GnuTLS";
        case TlsStack::unknown: break;
    }
    return "unknown";
}

}  // namespace tlsprobe::probe
