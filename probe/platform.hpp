// The server platform: which software and TLS stack answer on the port, as far as the probe's
// own evidence tells (judge/platform.hpp decides it; the diagnosis writes its "confirm" and
// "fix" steps for it first).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probe/diagnosis.hpp"

namespace tlsprobe::probe {

// The server software, as far as the advice needs it. The first five have their own confirm
// and fix steps in every diagnosis rule (judge/diagnosis_rules.cpp); the others get the
// rule's generic steps.
enum class ServerSoftware {
    unknown,
    iis,      // IIS or another HTTP.sys application (Microsoft-HTTPAPI)
    nginx,    // nginx, OpenResty, Tengine
    apache,   // Apache httpd with mod_ssl
    haproxy,  // HAProxy
    java,     // Tomcat, Jetty, WildFly or another JSSE server
    go,       // Go net/http, Caddy, Traefik
    envoy,    // Envoy, Istio (BoringSSL)
    cdn,      // a CDN edge (Cloudflare, Akamai, ...): the fix is in its dashboard
    // Mail, directory and database servers, told by their STARTTLS greeting (or, for
    // PostgreSQL, by the protocol itself): their steps appear for STARTTLS targets only.
    postfix,           // "ESMTP Postfix"
    exchange,          // "Microsoft ESMTP MAIL Service" (Exchange, IIS SMTP), Exchange IMAP/POP
    exim,              // "ESMTP Exim"
    sendmail,          // "ESMTP Sendmail"
    dovecot,           // "Dovecot ready" (IMAP, POP3, ManageSieve)
    openldap,          // slapd
    active_directory,  // Active Directory LDAP (LdapErr: DSID- diagnostics)
    postgresql,        // PostgreSQL (SSLRequest or direct TLS)
    mysql,             // MySQL, MariaDB (the handshake's server version)
};
// True for the mail, directory and database servers above (postfix ... mysql).
bool is_service_software(ServerSoftware s);
// "iis", "nginx", ... (the JSON `platform.software` and `advice[].platform` ids).
std::string_view to_string(ServerSoftware s);
// "IIS / HTTP.sys", "nginx", "Apache httpd", "HAProxy", "Java / Tomcat", ...
std::string_view display_name(ServerSoftware s);
std::optional<ServerSoftware> parse_server_software(std::string_view id);

// The TLS implementation behind it.
enum class TlsStack { unknown, schannel, openssl, boringssl, nss, jsse, go, gnutls };
// "schannel", "openssl", "boringssl", "nss", "jsse", "go", "gnutls", "unknown".
std::string_view to_string(TlsStack s);
// "Schannel", "OpenSSL", "BoringSSL", "NSS", "JSSE", "Go crypto/tls", "GnuTLS", "unknown".
std::string_view display_name(TlsStack s);

struct Platform {
    ServerSoftware software = ServerSoftware::unknown;
    std::string product;  // as the server named itself, "nginx/1.22.1"; empty when unnamed
    TlsStack stack = TlsStack::unknown;
    // high: a Server header and a matching stack habit (or HTTP.sys's own reply to a
    // ClientHello); medium: a Server header alone; low: stack habits alone, or a header the
    // TLS habits contradict (a front end may terminate TLS).
    Confidence confidence = Confidence::low;
    std::vector<std::string> evidence;  // one line per fact it rests on

    bool known() const { return software != ServerSoftware::unknown; }
};

}  // namespace tlsprobe::probe
