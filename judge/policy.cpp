#include "judge/policy.hpp"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fstream>
#include <functional>
#include <sstream>
#include <toml++/toml.h>

#include "judge/policy_rules.hpp"
#include "x509/platform_stores.hpp"

namespace tlsprobe::judge {

using core::Version;
namespace {

using core::Version;

// ---------------------------------------------------------------------------------------
// Built-in profiles, modelled on Mozilla's Server Side TLS guidelines, version 5.7
// (https://ssl-config.mozilla.org/guidelines/5.7.json,
// https://wiki.mozilla.org/Security/Server_Side_TLS):
//   modern:       tls_versions ["TLSv1.3"]; TLS 1.3 AEAD suites only; ECDSA P-256/P-384
//   certificates,
//                 ecdsa-with-SHA256/384/512 signatures.
//   intermediate: tls_versions ["TLSv1.2", "TLSv1.3"]; only (EC)DHE + AEAD suites (all forward
//                 secret); rsa_key_size 2048, ecdh_param_size 256; sha256WithRSAEncryption or
//                 ECDSA-SHA2 signatures.
//   old:          tls_versions ["TLSv1" .. "TLSv1.3"]; adds CBC, static-RSA and 3DES
//                 (TLS_RSA_WITH_3DES_EDE_CBC_SHA) suites, so no forward-secrecy requirement and
//                 only the "insecure" class forbidden; rsa_key_size 2048; sha256WithRSAEncryption.
// What tlsprobe can check from the outside maps onto rules as follows; the rest is its own
// choice, marked as such:
//   - cipher lists become classes (wire::Strength): Mozilla's intermediate list has no
//     "weak" (3DES, MD5) and no non-forward-secret suite; old allows 3DES, so only "insecure".
//   - certificate types are not restricted (an RSA leaf is fine for modern here: Mozilla's
//     modern profile is about clients, and a policy can still demand more); key sizes follow
//     rsa_key_size 2048 and the P-256 minimum curve (256 bits).
//   - chain complete/trusted/ordered, serverAuth EKU and the host name are not in Mozilla's
//     JSON (a browser checks them all): a site failing any of them does not work, so every
//     profile requires them.
//   - min_days_left = 14 is tlsprobe's choice (Mozilla recommends 90-day certificates, renewed
//     at 30 days left by ACME clients; 14 leaves room for a failed renewal to be noticed).
Policy common_profile() {
    Policy p;
    p.chain_complete = p.chain_trusted = p.chain_ordered = true;
    p.server_auth_eku = p.hostname = true;
    p.min_days_left = 14;
    p.min_rsa_bits = 2048;
    p.min_ec_bits = 256;
    p.no_sha1 = true;
    // Not in Mozilla's JSON either: a server without TLS 1.2 or 1.3 fails in every current
    // browser, whatever old clients it also serves (tlsprobe's tls.no_modern_version is high).
    p.modern_version = true;
    // Whatever tlsprobe itself judges high (README "Severities") fails the gate too, so the
    // probe's exit code and every built-in profile agree on the same facts.
    p.fail_on_severity = probe::Severity::high;
    return p;
}

Policy intermediate_profile() {
    Policy p = common_profile();
    p.name = "intermediate";
    p.description = "Mozilla intermediate (guidelines 5.7): TLS 1.2 and 1.3, forward-secret suites";
    p.min_version = Version::tls1_2;
    p.forbidden_ciphers = {"insecure", "weak"};
    p.forward_secrecy = true;
    return p;
}

Policy modern_profile() {
    Policy p = intermediate_profile();
    p.name = "modern";
    p.description = "Mozilla modern (guidelines 5.7): TLS 1.3 only";
    p.min_version = Version::tls1_3;
    return p;
}

Policy old_profile() {
    Policy p = common_profile();
    p.name = "old";
    p.description = "Mozilla old (guidelines 5.7): TLS 1.0 to 1.3 for very old clients";
    p.min_version = Version::tls1_0;
    p.forbidden_ciphers = {"insecure"};
    return p;
}

// ---------------------------------------------------------------------------------------
// Parsing: one table row per key; the row checks the node's type and sets the field.

struct Context {
    std::string source;
    std::string base_dir;
    [[noreturn]] void fail(const toml::source_region& where, std::string_view section,
                           std::string_view key, std::string_view problem) const {
        const std::string place =
            section.empty() ? std::string(key) : fmt::format("[{}] {}", section, key);
        throw PolicyError(fmt::format("{}:{}: {}: {}", source, where.begin.line, place, problem));
    }
};

std::string_view type_name(const toml::node& n) {
    switch (n.type()) {
        case toml::node_type::string: return "a string";
        case toml::node_type::integer: return "an integer";
        case toml::node_type::floating_point: return "a number";
        case toml::node_type::boolean: return "a boolean";
        case toml::node_type::array: return "an array";
        case toml::node_type::table: return "a table";
        default: return "a date/time";
    }
}

struct Field {
    const Context& ctx;
    std::string_view section, key;
    const toml::node& node;

    [[noreturn]] void fail(std::string_view problem) const {
        ctx.fail(node.source(), section, key, problem);
    }
    [[noreturn]] void wrong_type(std::string_view expected) const {
        fail(fmt::format("expected {}, got {}", expected, type_name(node)));
    }
    bool boolean() const {
        if (!node.is_boolean()) wrong_type("true or false");
        return node.as_boolean()->get();
    }
    int integer(int lo, int hi) const {
        if (!node.is_integer()) wrong_type("an integer");
        const auto v = node.as_integer()->get();
        if (v < lo || v > hi) fail(fmt::format("{} is out of range ({} to {})", v, lo, hi));
        return static_cast<int>(v);
    }
    std::string string() const {
        if (!node.is_string()) wrong_type("a string");
        return node.as_string()->get();
    }
    std::vector<std::string> strings() const {
        if (!node.is_array()) wrong_type("an array of strings");
        std::vector<std::string> out;
        for (const auto& item : *node.as_array()) {
            if (!item.is_string())
                ctx.fail(item.source(), section, key,
                         fmt::format("expected an array of strings, found {}", type_name(item)));
            out.push_back(item.as_string()->get());
        }
        return out;
    }
    Version version_of(const toml::node& n) const {
        if (!n.is_string())
            ctx.fail(n.source(), section, key,
                     fmt::format("expected a version such as \"tls1_2\", got {}", type_name(n)));
        const auto text = n.as_string()->get();
        const auto v = core::parse_version(text);
        if (!v)
            ctx.fail(
                n.source(), section, key,
                fmt::format(
                    "'{}' is not a protocol version (ssl2, ssl3, tls1_0, tls1_1, tls1_2, tls1_3)",
                    text));
        return *v;
    }
    // A version, or "any" for no bound.
    std::optional<Version> bound() const {
        if (node.is_string() && node.as_string()->get() == "any") return std::nullopt;
        return version_of(node);
    }
    std::vector<Version> versions() const {
        if (!node.is_array()) wrong_type("an array of versions");
        std::vector<Version> out;
        for (const auto& item : *node.as_array()) out.push_back(version_of(item));
        return out;
    }
};

using Setter = std::function<void(Policy&, const Field&)>;
struct KeyRow {
    std::string_view section;  // "" = top level
    std::string_view key;
    Setter set;
};

const std::vector<KeyRow>& key_table() {
    static const std::vector<KeyRow> rows{
        {"", "name", [](Policy& p, const Field& f) { p.name = f.string(); }},
        {"", "description", [](Policy& p, const Field& f) { p.description = f.string(); }},
        {"protocols", "min", [](Policy& p, const Field& f) { p.min_version = f.bound(); }},
        {"protocols", "max", [](Policy& p, const Field& f) { p.max_version = f.bound(); }},
        {"protocols", "forbidden",
         [](Policy& p, const Field& f) { p.forbidden_versions = f.versions(); }},
        {"protocols", "require_modern",
         [](Policy& p, const Field& f) { p.modern_version = f.boolean(); }},
        {"ciphers", "forbidden",
         [](Policy& p, const Field& f) {
             auto names = f.strings();
             const auto& known = cipher_class_names();
             for (const auto& n : names)
                 if (std::find(known.begin(), known.end(), n) == known.end())
                     f.fail(fmt::format("'{}' is not a cipher class (one of: {})", n,
                                        fmt::join(known, ", ")));
             p.forbidden_ciphers = std::move(names);
         }},
        {"ciphers", "forward_secrecy",
         [](Policy& p, const Field& f) { p.forward_secrecy = f.boolean(); }},
        {"chain", "complete", [](Policy& p, const Field& f) { p.chain_complete = f.boolean(); }},
        {"chain", "trusted", [](Policy& p, const Field& f) { p.chain_trusted = f.boolean(); }},
        {"chain", "ordered", [](Policy& p, const Field& f) { p.chain_ordered = f.boolean(); }},
        {"chain", "ca_file",
         [](Policy& p, const Field& f) {
             auto path = f.string();
             if (!path.empty() && !f.ctx.base_dir.empty() &&
                 std::filesystem::path(path).is_relative())
                 path = (std::filesystem::path(f.ctx.base_dir) / path).lexically_normal().string();
             p.ca_file = std::move(path);
         }},
        {"certificate", "server_auth_eku",
         [](Policy& p, const Field& f) { p.server_auth_eku = f.boolean(); }},
        {"certificate", "hostname", [](Policy& p, const Field& f) { p.hostname = f.boolean(); }},
        {"certificate", "names", [](Policy& p, const Field& f) { p.names = f.strings(); }},
        {"certificate", "min_days_left",
         [](Policy& p, const Field& f) { p.min_days_left = f.integer(0, 3650); }},
        {"certificate", "min_rsa_bits",
         [](Policy& p, const Field& f) { p.min_rsa_bits = f.integer(512, 16384); }},
        {"certificate", "min_ec_bits",
         [](Policy& p, const Field& f) { p.min_ec_bits = f.integer(160, 571); }},
        {"certificate", "no_sha1", [](Policy& p, const Field& f) { p.no_sha1 = f.boolean(); }},
        {"certificate", "revocation_good",
         [](Policy& p, const Field& f) { p.revocation_good = f.boolean(); }},
        {"sni", "no_sni",
         [](Policy& p, const Field& f) {
             const auto text = f.string();
             const auto b = parse_no_sni_behaviour(text);
             if (!b)
                 f.fail(fmt::format("'{}' is not one of \"same_certificate\", \"refused\", \"any\"",
                                    text));
             p.no_sni = *b;
         }},
        {"http", "reachable", [](Policy& p, const Field& f) { p.http_reachable = f.boolean(); }},
        {"http", "hsts_min_days",
         [](Policy& p, const Field& f) { p.hsts_min_days = f.integer(0, 3650); }},
        {"diagnosis", "must_be_empty",
         [](Policy& p, const Field& f) { p.diagnosis_empty = f.boolean(); }},
        {"findings", "fail_on",
         [](Policy& p, const Field& f) {
             const auto text = f.string();
             if (text == "off") {
                 p.fail_on_severity.reset();
                 return;
             }
             const auto s = probe::parse_severity(text);
             if (!s)
                 f.fail(
                     fmt::format("'{}' is not one of \"critical\", \"high\", \"medium\", "
                                 "\"low\", \"info\", \"off\"",
                                 text));
             p.fail_on_severity = *s;
         }},
        {"vulnerabilities", "none",
         [](Policy& p, const Field& f) { p.no_vulnerabilities = f.boolean(); }},
        {"ocsp", "stapled", [](Policy& p, const Field& f) { p.ocsp_stapled = f.boolean(); }},
        {"renegotiation", "secure",
         [](Policy& p, const Field& f) { p.renegotiation_secure = f.boolean(); }},
        {"clients", "current_ok",
         [](Policy& p, const Field& f) { p.clients_current_ok = f.boolean(); }},
        {"trust", "stores",
         [](Policy& p, const Field& f) {
             auto names = f.strings();
             for (const auto& n : names)
                 if (n != "system" &&
                     std::find(x509::kPlatformStoreNames.begin(), x509::kPlatformStoreNames.end(),
                               n) == x509::kPlatformStoreNames.end())
                     f.fail(fmt::format("'{}' is not one of \"Mozilla\", \"Microsoft\", "
                                        "\"Apple\", \"Java\", \"Linux\", \"system\"",
                                        n));
             p.trust_stores = std::move(names);
         }},
    };
    return rows;
}

std::vector<std::string_view> keys_of(std::string_view section) {
    std::vector<std::string_view> out;
    for (const auto& r : key_table())
        if (r.section == section) out.push_back(r.key);
    return out;
}

bool is_section(std::string_view name) {
    return name != "" && std::any_of(key_table().begin(), key_table().end(),
                                     [&](const KeyRow& r) { return r.section == name; });
}

void apply_table(Policy& p, const toml::table& table, std::string_view section,
                 const Context& ctx) {
    for (const auto& [key, node] : table) {
        const std::string_view k = key.str();
        if (section.empty() && (k == "extends" || k == "disable"))
            continue;  // handled by parse_policy
        if (section.empty() && is_section(k)) {
            if (!node.is_table())
                ctx.fail(node.source(), "", k,
                         fmt::format("expected a table [{}], got {}", k, type_name(node)));
            apply_table(p, *node.as_table(), k, ctx);
            continue;
        }
        const auto& rows = key_table();
        const auto row = std::find_if(rows.begin(), rows.end(), [&](const KeyRow& r) {
            return r.section == section && r.key == k;
        });
        if (row == rows.end()) {
            const auto known = keys_of(section);
            std::vector<std::string_view> sections;
            if (section.empty()) {
                sections.insert(sections.end(), {"extends", "disable"});
                for (const auto& r : key_table())
                    if (!r.section.empty() &&
                        std::find(sections.begin(), sections.end(), r.section) == sections.end())
                        sections.push_back(r.section);
            }
            const auto where =
                section.empty() ? std::string("at the top level") : fmt::format("in [{}]", section);
            ctx.fail(key.source(), section, k,
                     fmt::format("unknown key {} (known: {}{}{})", where, fmt::join(known, ", "),
                                 sections.empty() ? "" : ", ", fmt::join(sections, ", ")));
        }
        row->set(p, Field{ctx, section, k, node});
    }
}

std::string toml_quote(std::string_view s) {
    std::ostringstream out;
    out << toml::value<std::string>(std::string(s));
    return out.str();
}

}  // namespace

std::string_view to_string(NoSniBehaviour b) {
    switch (b) {
        case NoSniBehaviour::same_certificate: return "same_certificate";
        case NoSniBehaviour::refused: return "refused";
        case NoSniBehaviour::any: return "any";
    }
    return "any";
}

std::optional<NoSniBehaviour> parse_no_sni_behaviour(std::string_view text) {
    for (auto b : {NoSniBehaviour::any, NoSniBehaviour::same_certificate, NoSniBehaviour::refused})
        if (to_string(b) == text) return b;
    return std::nullopt;
}

const std::vector<std::string_view>& cipher_class_names() {
    static const std::vector<std::string_view> names{"insecure", "weak", "NULL", "EXPORT",
                                                     "RC4",      "DES",  "3DES", "anon"};
    return names;
}

const std::vector<std::string_view>& builtin_policy_names() {
    static const std::vector<std::string_view> names{"modern", "intermediate", "old"};
    return names;
}

Policy builtin_policy(std::string_view name) {
    if (name.starts_with("builtin:")) name.remove_prefix(8);
    if (name == "modern") return modern_profile();
    if (name == "intermediate") return intermediate_profile();
    if (name == "old") return old_profile();
    throw PolicyError(fmt::format("unknown built-in policy 'builtin:{}' (known: builtin:{})", name,
                                  fmt::join(builtin_policy_names(), ", builtin:")));
}

Policy parse_policy(std::string_view toml_text, const std::string& source,
                    const std::string& base_dir) {
    const Context ctx{source, base_dir};
    toml::table doc;
    try {
        doc = toml::parse(toml_text, source);
    } catch (const toml::parse_error& e) {
        throw PolicyError(fmt::format("{}:{}: TOML syntax error: {}", source, e.source().begin.line,
                                      e.description()));
    }

    Policy p;
    if (const auto* ext = doc.get("extends")) {
        const Field f{ctx, "", "extends", *ext};
        const auto base = f.string();
        if (!base.starts_with("builtin:"))
            f.fail(
                fmt::format("'{}': only built-in policies can be extended (builtin:modern, "
                            "builtin:intermediate, builtin:old)",
                            base));
        try {
            p = builtin_policy(base);
        } catch (const PolicyError& e) {
            f.fail(e.what());
        }
    }
    p.name = std::filesystem::path(source).filename().string();
    apply_table(p, doc, "", ctx);

    if (const auto* dis = doc.get("disable")) {
        const Field f{ctx, "", "disable", *dis};
        // `disable = ["cert.validity"]` switches rules off after `extends` and the keys.
        for (const auto& id : f.strings()) {
            const auto* kind = find_rule_kind(id);
            if (!kind || !kind->disable) {
                std::vector<std::string_view> ids;
                for (const auto& k : rule_kinds())
                    if (k.disable) ids.push_back(k.id);
                f.fail(fmt::format("'{}' is not a rule id (known: {})", id, fmt::join(ids, ", ")));
            }
            kind->disable(p);
        }
    }
    if (p.min_version && p.max_version && *p.max_version < *p.min_version) {
        const auto* where = doc.at_path("protocols.max").node();
        ctx.fail(where ? where->source() : doc.source(), "protocols", "max",
                 fmt::format("max {} is older than min {}", core::to_string(*p.max_version),
                             core::to_string(*p.min_version)));
    }
    return p;
}

Policy load_policy(const std::string& spec) {
    if (spec.starts_with("builtin:")) return builtin_policy(spec);
    std::ifstream in(spec, std::ios::binary);
    if (!in)
        throw PolicyError(
            fmt::format("{}: cannot read the policy file: {}", spec, std::strerror(errno)));
    std::ostringstream text;
    text << in.rdbuf();
    return parse_policy(text.str(), spec, std::filesystem::path(spec).parent_path().string());
}

std::string to_toml(const Policy& p) {
    auto versions = [](const std::vector<Version>& vs) {
        std::vector<std::string> q;
        for (auto v : vs) q.push_back(toml_quote(core::to_string(v)));
        return fmt::format("[{}]", fmt::join(q, ", "));
    };
    auto strings = [](const std::vector<std::string>& ss) {
        std::vector<std::string> q;
        for (const auto& s : ss) q.push_back(toml_quote(s));
        return fmt::format("[{}]", fmt::join(q, ", "));
    };
    auto bound = [](std::optional<Version> v) {
        return toml_quote(v ? core::to_string(*v) : "any");
    };
    auto opt_int = [](std::string_view key, std::optional<int> v, int example) {
        return v ? fmt::format("{} = {}", key, *v) : fmt::format("# {} = {}   (off)", key, example);
    };
    auto b = [](bool v) { return v ? "true" : "false"; };

    std::string out;
    auto line = [&out](std::string_view text, std::string_view comment = {}) {
        out += comment.empty() ? fmt::format("{}\n", text)
                               : fmt::format("{:<42} # {}\n", text, comment);
    };
    line(
        "# tlsprobe policy (tlsprobe check --policy FILE). Every key is listed; see README, "
        "'Pre-go-live gate'.");
    line(
        "# Start from a built-in one instead with: extends = \"builtin:intermediate\", then "
        "override single keys,");
    line("# and switch rules off with: disable = [\"cert.validity\", ...]");
    line(fmt::format("name = {}", toml_quote(p.name)));
    line(fmt::format("description = {}", toml_quote(p.description)));
    line("");
    line("[protocols]");
    line(fmt::format("min = {}", bound(p.min_version)),
         "protocol.min_version: nothing older accepted (\"any\": off)");
    line(fmt::format("max = {}", bound(p.max_version)),
         "protocol.max_version: nothing newer accepted (\"any\": off)");
    line(fmt::format("forbidden = {}", versions(p.forbidden_versions)),
         "protocol.forbidden_versions");
    line(fmt::format("require_modern = {}", b(p.modern_version)),
         "protocol.modern_version: TLS 1.2 or 1.3 accepted");
    line("");
    line("[ciphers]");
    line(fmt::format("forbidden = {}", strings(p.forbidden_ciphers)),
         fmt::format("cipher.forbidden: {}", fmt::join(cipher_class_names(), " ")));
    line(fmt::format("forward_secrecy = {}", b(p.forward_secrecy)), "cipher.forward_secrecy");
    line("");
    line("[chain]");
    line(fmt::format("complete = {}", b(p.chain_complete)),
         "chain.complete: no missing intermediate");
    line(fmt::format("trusted = {}", b(p.chain_trusted)), "chain.trusted: ends in a trusted root");
    line(fmt::format("ordered = {}", b(p.chain_ordered)),
         "chain.ordered: leaf first, each signed by the next");
    line(fmt::format("ca_file = {}", toml_quote(p.ca_file)),
         "trust anchors for a private CA (\"\": system store)");
    line("");
    line("[certificate]");
    line(fmt::format("server_auth_eku = {}", b(p.server_auth_eku)), "cert.server_auth_eku");
    line(fmt::format("hostname = {}", b(p.hostname)), "cert.hostname: covers the probed name");
    line(fmt::format("names = {}", strings(p.names)), "cert.names: covers each of these");
    line(opt_int("min_days_left", p.min_days_left, 14), "cert.validity: valid now and N more days");
    line(opt_int("min_rsa_bits", p.min_rsa_bits, 2048), "cert.min_key_bits (RSA/DSA leaf)");
    line(opt_int("min_ec_bits", p.min_ec_bits, 256), "cert.min_key_bits (EC leaf: curve size)");
    line(fmt::format("no_sha1 = {}", b(p.no_sha1)), "cert.no_sha1: no SHA-1/MD5 signature");
    line(fmt::format("revocation_good = {}", b(p.revocation_good)),
         "revocation.good: a verified OCSP/CRL answer says good");
    line("");
    line("[sni]");
    line(fmt::format("no_sni = {}", toml_quote(to_string(p.no_sni))),
         "sni.no_sni: same_certificate | refused | any");
    line("");
    line("[http]");
    line(fmt::format("reachable = {}", b(p.http_reachable)), "http.reachable: plain HTTP answers");
    line(opt_int("hsts_min_days", p.hsts_min_days, 180),
         "http.hsts: HSTS over HTTPS with max-age >= N days");
    line("");
    line("[diagnosis]");
    line(fmt::format("must_be_empty = {}", b(p.diagnosis_empty)),
         "diagnosis.empty: no server-side cause found");
    line("");
    line("[findings]");
    line(fmt::format("fail_on = {}",
                     toml_quote(p.fail_on_severity ? probe::to_string(*p.fail_on_severity)
                                                   : std::string_view("off"))),
         "findings.severity: no finding this severe or worse (critical|high|medium|low|info|off)");
    line("");
    line("[vulnerabilities]");
    line(fmt::format("none = {}", b(p.no_vulnerabilities)),
         "vuln.none: no known vulnerability (POODLE, DROWN, Heartbleed, ...) found");
    line("");
    line("[ocsp]");
    line(fmt::format("stapled = {}", b(p.ocsp_stapled)),
         "ocsp.stapled: a stapled OCSP response saying good");
    line("");
    line("[renegotiation]");
    line(fmt::format("secure = {}", b(p.renegotiation_secure)),
         "renegotiation.secure: RFC 5746, client-initiated refused");
    line("");
    line("[clients]");
    line(fmt::format("current_ok = {}", b(p.clients_current_ok)),
         "clients.current_ok: every simulated current client connects");
    line("");
    line("[trust]");
    line(fmt::format("stores = {}", strings(p.trust_stores)),
         "trust.stores: these platform stores trust the chain (Mozilla, Microsoft, Apple, Java, "
         "Linux, system)");
    return out;
}

}  // namespace tlsprobe::judge
