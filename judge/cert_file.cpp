#include "judge/cert_file.hpp"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "judge/finding.hpp"
#include "judge/findings_rules.hpp"

namespace tlsprobe::judge {

using probe::Finding;
using probe::PlatformAdvice;
using x509::CertFileFormat;
namespace {

// The application id IIS uses for its HTTP.sys bindings (any GUID works; this one is IIS's).
constexpr std::string_view kIisAppId = "{4dc3e181-e14b-4a21-b022-59fc669b0914}";

std::string key_text(const std::string& type, int bits) {
    return bits > 0 ? fmt::format("{} {}-bit", type, bits) : type;
}

KeyCheck check_key(const CertFileInput& in, const x509::ChainReport& chain, bool pkcs12) {
    KeyCheck k;
    const x509::PrivateKeyLoad* load = in.key_file ? &*in.key_file : nullptr;
    for (const auto& f : in.files)
        if (!load && f.key) load = &*f.key;
    const auto* leaf = chain.leaf_certificate();
    if (!load) {
        k.detail = pkcs12 ? "The PKCS#12 file holds the certificate without its private key."
                          : "No private key given (a key in the file, or --key FILE, checks that "
                            "it belongs to the certificate).";
        return k;
    }
    k.source = load->source;
    if (load->unreadable) {
        k.state = KeyState::unreadable;
        k.detail = fmt::format("{}: {}.", load->source, load->error);
        return k;
    }
    k.type = load->type;
    k.bits = load->bits;
    for (std::size_t i = 0; i < chain.certificates.size(); ++i)
        if (x509::key_matches(chain.certificates[i], load->key.get())) {
            k.matches_certificate = i;
            break;
        }
    if (leaf && k.matches_certificate == chain.leaf) {
        k.state = KeyState::matches;
        k.detail = fmt::format("The {} key from {} belongs to the certificate '{}'.",
                               key_text(k.type, k.bits), k.source, leaf->subject);
        return k;
    }
    k.state = KeyState::mismatch;
    if (!leaf) return k;
    const std::string leaf_key = key_text(leaf->key_type, leaf->key_bits);
    if (k.matches_certificate)
        k.detail = fmt::format(
            "The {} key from {} belongs to #{} '{}', not to the first certificate '{}'.",
            key_text(k.type, k.bits), k.source, *k.matches_certificate + 1,
            chain.certificates[*k.matches_certificate].subject, leaf->subject);
    else if (k.type != leaf->key_type)
        k.detail = fmt::format(
            "The key from {} is an {} key; the certificate '{}' carries an {} key: a key of "
            "another type can never belong to it.",
            k.source, key_text(k.type, k.bits), leaf->subject, leaf_key);
    else
        k.detail = fmt::format(
            "The {} key from {} does not belong to the certificate '{}' (its public key "
            "differs): a server refuses the pair or fails every handshake.",
            key_text(k.type, k.bits), k.source, leaf->subject);
    return k;
}

void key_findings(const CertFileResult& r, std::vector<Finding>& out) {
    switch (r.key.state) {
        case KeyState::absent:
            if (r.pkcs12_input)
                out.push_back(make_finding(
                    "cert.no_private_key",
                    fmt::format("{} IIS (HTTP.sys) imports it but resets every TLS connection "
                                "(the article's S1; Schannel event 36870); on the machine that "
                                "made the request: certutil -repairstore my {}",
                                r.key.detail, r.thumbprint)));
            break;
        case KeyState::unreadable:
            out.push_back(make_finding("cert.key_unreadable", r.key.detail));
            break;
        case KeyState::mismatch:
            out.push_back(make_finding("cert.key_mismatch", r.key.detail));
            break;
        case KeyState::matches: break;
    }
}

void host_findings(CertFileResult& r, const CertFileInput& in) {
    const auto* leaf = r.chain.leaf_certificate();
    for (const auto& h : in.hosts) {
        HostCheck c{h.typed, h.ascii,
                    leaf ? x509::match_hostname(*leaf, h.ascii) : x509::HostnameMatch::not_checked};
        if (c.match == x509::HostnameMatch::mismatch) {
            std::vector<std::string> names = leaf->san_dns;
            names.insert(names.end(), leaf->san_ip.begin(), leaf->san_ip.end());
            if (names.empty() && leaf->common_name) names.push_back("CN " + *leaf->common_name);
            const std::string shown =
                h.typed == h.ascii ? h.ascii : fmt::format("{} ({})", h.typed, h.ascii);
            r.findings.push_back(make_finding(
                "cert.hostname_mismatch",
                fmt::format("The certificate is for {}, not for {}.",
                            names.empty() ? "no name at all" : fmt::format("{}", fmt::join(names, ", ")),
                            shown)));
        }
        r.hosts.push_back(std::move(c));
    }
}

// The served order a server should be given: the leaf, then the served issuers on the path
// (the anchor left out), as "#1 'CN=...', then #2 '...'".
std::string serve_order(const x509::ChainReport& chain) {
    std::vector<std::string> parts;
    for (const auto& e : chain.path) {
        if (!e.certificate) continue;
        const auto& c = chain.certificates[*e.certificate];
        if (c.self_signed && *e.certificate != chain.leaf) continue;  // clients have the root
        parts.push_back(fmt::format("#{} '{}'", *e.certificate + 1, c.subject));
    }
    return fmt::format("{}", fmt::join(parts, ", then "));
}

std::string host_of(const CertFileInput& in, const x509::CertificateInfo* leaf) {
    if (!in.hosts.empty()) return in.hosts.front().ascii;
    if (leaf && !leaf->san_dns.empty()) return leaf->san_dns.front();
    if (leaf && leaf->common_name) return *leaf->common_name;
    return "site";
}

std::vector<PlatformAdvice> install_steps(const CertFileResult& r, const CertFileInput& in) {
    const auto* leaf = r.chain.leaf_certificate();
    if (!leaf) return {};
    const std::string host = host_of(in, leaf);
    const std::string& thumb = r.thumbprint;
    const std::string first = in.files.front().name;
    const bool pfx = in.files.front().format == CertFileFormat::pkcs12;
    const bool key_ok = r.key.state == KeyState::matches;
    // Installed under the host's name; a --key path keeps only its file name.
    const std::string key_file =
        in.key_file ? std::filesystem::path(in.key_file->source).filename().string() : host + ".key";
    const std::string chain_file = host + ".fullchain.pem";
    const std::string order = serve_order(r.chain);
    const bool complete = !r.chain.has(x509::ChainProblemKind::missing_intermediate);
    const std::string missing =
        complete ? std::string()
                 : fmt::format(" and append the intermediate '{}' from the CA (it is not in the "
                               "file)",
                               leaf->issuer);
    const std::string bind = fmt::format(
        "netsh http add sslcert ipport=0.0.0.0:443 certhash={} appid={}   (an SNI binding: "
        "hostnameport={}:443 certstorename=MY instead of ipport=)",
        thumb, kIisAppId, host);

    PlatformAdvice iis{"iis", "IIS / HTTP.sys", {}, {}};
    iis.confirm = {fmt::format("certutil -verifystore my {}   ('Encryption test passed': the "
                               "private key is there and usable)",
                               thumb),
                   "netsh http show sslcert ipport=0.0.0.0:443   (Certificate Hash " + thumb + ")"};
    if (pfx && key_ok) {
        iis.fix = {fmt::format("certutil -importpfx {}   (asks for the PFX password; into the "
                               "computer's Personal store, intermediates into Intermediate "
                               "Certification Authorities)",
                               first),
                   bind};
    } else if (key_ok) {
        iis.fix = {fmt::format("openssl pkcs12 -export -in {} -inkey {} -out {}.pfx   "
                               "({}: {}{})",
                               chain_file, in.key_file ? in.key_file->source : key_file, host,
                               chain_file, order, missing),
                   fmt::format("certutil -importpfx {}.pfx", host), bind};
    } else {
        iis.fix = {fmt::format("{} {}, then on the machine that made the certificate request: "
                               "certutil -repairstore my {}   (re-attaches the private key kept "
                               "there)",
                               pfx ? "certutil -importpfx" : "certutil -addstore my", first, thumb),
                   "if the key is not on that machine: export a .pfx with its private key from "
                   "where it is, or request the certificate again",
                   bind};
    }

    // The Linux servers take PEM: the chain file and the key file.
    std::vector<std::string> prepare;
    if (pfx) {
        prepare.push_back(fmt::format("openssl pkcs12 -in {} -nokeys -out {}   "
                                      "(then keep only, in this order: {}{})",
                                      first, chain_file, order, missing));
        prepare.push_back(fmt::format("openssl pkcs12 -in {} -nocerts -nodes -out {}.key && "
                                      "chmod 600 {}.key",
                                      first, host, host));
    } else {
        prepare.push_back(fmt::format("{} = {}{} (cat them in this order; no root)", chain_file,
                                      order, missing));
    }
    const std::string key = pfx ? host + ".key" : key_file;
    auto with = [&](std::vector<std::string> steps) {
        std::vector<std::string> out = prepare;
        out.insert(out.end(), steps.begin(), steps.end());
        return out;
    };
    const std::vector<std::string> s_client = {
        fmt::format("openssl s_client -connect <server>:443 -servername {} -showcerts   (the "
                    "first certificate has SHA-1 {})",
                    host, thumb)};
    PlatformAdvice nginx{"nginx", "nginx", s_client,
                         with({fmt::format("ssl_certificate /etc/ssl/{}; "
                                           "ssl_certificate_key /etc/ssl/private/{};",
                                           chain_file, key),
                               "nginx -t && systemctl reload nginx"})};
    PlatformAdvice apache{"apache", "Apache httpd", s_client,
                          with({fmt::format("SSLCertificateFile /etc/ssl/certs/{} "
                                            "and SSLCertificateKeyFile /etc/ssl/private/{} "
                                            "(Apache 2.4.8+)",
                                            chain_file, key),
                                "apachectl configtest && systemctl reload apache2"})};
    PlatformAdvice haproxy{"haproxy", "HAProxy", s_client,
                           with({fmt::format("cat {} {} > /etc/haproxy/certs/{}.pem; "
                                             "bind :443 ssl crt /etc/haproxy/certs/",
                                             chain_file, key, host),
                                 "haproxy -c -f /etc/haproxy/haproxy.cfg && systemctl reload "
                                 "haproxy"})};
    return {iis, nginx, apache, haproxy};
}

}  // namespace

std::string_view to_string(KeyState s) {
    switch (s) {
        case KeyState::absent: return "absent";
        case KeyState::unreadable: return "unreadable";
        case KeyState::matches: return "matches";
        case KeyState::mismatch: return "mismatch";
    }
    return "absent";
}

std::string_view to_string(CertVerdict v) {
    switch (v) {
        case CertVerdict::ok: return "ok";
        case CertVerdict::warn: return "warn";
        case CertVerdict::fail: return "fail";
    }
    return "fail";
}

CertFileResult assess_cert_files(const CertFileInput& in, const x509::TrustStore& store) {
    CertFileResult r;
    x509::ChainInput chain_in;
    for (const auto& f : in.files) {
        r.files.push_back({f.name, f.format, f.certificates.size(), f.key.has_value()});
        r.pkcs12_input = r.pkcs12_input || f.format == CertFileFormat::pkcs12;
        chain_in.served.insert(chain_in.served.end(), f.certificates.begin(), f.certificates.end());
    }
    chain_in.now = in.at;
    // A server installed today negotiates TLS 1.3 or ECDHE: the key must be able to sign.
    chain_in.key_exchange = x509::KeyExchange::tls13;
    chain_in.expires_soon_days = in.expires_soon_days;
    r.chain = x509::analyze_chain(chain_in, store);
    r.trust = store.description();
    r.at = in.at;
    r.at_given = in.at_given;
    if (const auto* leaf = r.chain.leaf_certificate()) r.thumbprint = leaf->sha1_hex;
    r.key = check_key(in, r.chain, r.pkcs12_input);

    key_findings(r, r.findings);
    for (auto& f : chain_findings(r.chain)) r.findings.push_back(std::move(f));
    host_findings(r, in);
    std::stable_sort(r.findings.begin(), r.findings.end(),
                     [](const Finding& a, const Finding& b) { return a.severity > b.severity; });
    const auto worst = r.findings.empty() ? std::nullopt
                                          : std::optional<probe::Severity>(r.findings.front().severity);
    r.verdict = worst && *worst >= probe::Severity::high     ? CertVerdict::fail
                : worst && *worst >= probe::Severity::medium ? CertVerdict::warn
                                                             : CertVerdict::ok;
    r.install = install_steps(r, in);
    return r;
}

}  // namespace tlsprobe::judge
