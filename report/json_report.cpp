#include "report/json_report.hpp"

#include <fmt/format.h>

#include "core/alert.hpp"
#include "judge/verdict.hpp"
#include "report/format_util.hpp"

namespace tlsprobe::report {

using nlohmann::json;

namespace {

template <typename T>
json optional_json(const std::optional<T>& v) {
    return v ? json(*v) : json(nullptr);
}

json alert_json(const std::optional<std::uint8_t>& alert) {
    if (!alert) return nullptr;
    return {{"code", *alert}, {"name", core::alert_name(*alert)}};
}

// null when enumeration did not run, so "none accepted" ([]) and "not asked" differ.
json ciphers_json(const probe::VersionResult& v) {
    if (!v.ciphers_enumerated) return nullptr;
    json list = json::array();
    for (const auto& c : v.ciphers)
        list.push_back({{"code", fmt::format("0x{:04X}", c.code)},
                        {"name", c.name},
                        {"strength", wire::to_string(c.strength)},
                        {"forward_secrecy", c.forward_secrecy},
                        {"group", c.group.empty() ? json(nullptr) : json(c.group)},
                        {"dh_bits", optional_json(c.dh_bits)}});
    return list;
}

json dh_groups_json(const probe::TargetResult& r) {
    json list = json::array();
    for (const auto& g : r.dh_groups)
        list.push_back(
            {{"bits", g.bits},
             {"prime", g.prime_hex.empty() ? json(nullptr) : json(g.prime_hex)},
             {"generator", g.generator_hex},
             {"standard_group", g.standard_name.empty() ? json(nullptr) : json(g.standard_name)},
             {"is_prime", optional_json(g.prime)},
             {"safe_prime", optional_json(g.safe_prime)},
             {"generator_in_subgroup", optional_json(g.generator_ok)},
             {"public_keys_valid", optional_json(g.public_keys_ok)},
             {"public_keys_checked", g.public_keys_checked},
             {"common_prime", g.common_prime_checked
                                  ? (g.common_prime ? json(*g.common_prime) : json(false))
                                  : json(nullptr)},
             {"problems", g.problems},
             {"notes", g.notes},
             {"seen_with", g.seen_with}});
    return list;
}

json diagnosis_json(const probe::Diagnosis& d) {
    json advice = json::array();
    for (const auto& a : d.advice)
        advice.push_back(
            {{"platform", a.platform}, {"name", a.name}, {"confirm", a.confirm}, {"fix", a.fix}});
    return {{"id", d.id},
            {"scenario", d.scenarios},
            {"confidence", to_string(d.confidence)},
            {"summary", d.summary},
            {"evidence", d.evidence},
            {"client_sees", d.client_sees},
            {"confirm", d.confirm},
            {"fix", d.fix},
            {"advice_for", d.advice_for},
            {"advice", advice}};
}

json platform_json(const probe::Platform& p) {
    return {{"software", probe::to_string(p.software)},
            {"name", probe::display_name(p.software)},
            {"product", p.product.empty() ? json(nullptr) : json(p.product)},
            {"stack", probe::to_string(p.stack)},
            {"stack_name", probe::display_name(p.stack)},
            {"confidence", to_string(p.confidence)},
            {"evidence", p.evidence}};
}

json http_json(const std::optional<engine::HttpCheck>& h) {
    if (!h) return nullptr;
    return {{"port", h->port},
            {"status", engine::to_string(h->status)},
            {"http_status", h->http_status ? json(h->http_status) : json(nullptr)},
            {"status_line", h->status_line.empty() ? json(nullptr) : json(h->status_line)},
            {"server", h->server_header.empty() ? json(nullptr) : json(h->server_header)},
            {"location", h->location.empty() ? json(nullptr) : json(h->location)},
            {"detail", h->detail},
            {"redirects_to_https", h->redirects_to_https}};
}

json version_json(const probe::VersionResult& v) {
    return {
        {"supported", optional_json(v.supported)},
        {"status", core::to_string(v.status)},
        {"phase", core::to_string(v.phase)},
        {"source", v.source},
        {"alert", v.alert ? json(core::alert_name(*v.alert)) : json(nullptr)},
        {"cipher", v.cipher.empty() ? json(nullptr) : json(v.cipher)},
        {"detail", v.detail},
        {"disagreement",
         v.disagreement == probe::Disagreement::none ? json(nullptr) : json(v.disagreement_detail)},
        {"disagreement_kind", v.disagreement == probe::Disagreement::none
                                  ? json(nullptr)
                                  : json(to_string(v.disagreement))},
        {"ciphers", ciphers_json(v)},
        {"server_preference", optional_json(v.server_preference)},
        {"groups", v.groups},
        {"group_server_preference", optional_json(v.group_server_preference)},
        {"enumeration_errors", v.enumeration_errors},
    };
}

json certificate_json(const x509::CertificateInfo& c, std::chrono::system_clock::time_point now) {
    return {
        {"subject", c.subject},
        {"issuer", c.issuer},
        {"serial", c.serial_hex},
        {"sha1", c.sha1_hex},
        {"sha256", c.sha256_hex},
        {"not_before", iso8601(c.not_before)},
        {"not_after", iso8601(c.not_after)},
        {"days_left", days_between(now, c.not_after)},
        {"san",
         [&] {
             json san = json::array();
             for (const auto& d : c.san_dns) san.push_back(d);
             for (const auto& ip : c.san_ip) san.push_back(ip);
             return san;
         }()},
        {"common_name", optional_json(c.common_name)},
        {"eku", optional_json(c.eku)},
        {"key_usage", c.key_usage ? json(c.key_usage_names) : json(nullptr)},
        {"is_ca", c.is_ca},
        {"self_signed", c.self_signed},
        {"key", key_description(c)},
        {"key_type", c.key_type},
        {"key_bits", c.key_bits},
        {"signature", c.signature_algorithm},
    };
}

}  // namespace

json to_json(const core::Observation& o, bool include_trace) {
    json j = {
        {"status", core::to_string(o.status)},
        {"phase", core::to_string(o.phase)},
        {"address", o.address.empty() ? json(nullptr) : json(o.address)},
        {"connect_ms", to_ms(o.connect_time)},
        {"elapsed_ms", to_ms(o.elapsed)},
        {"version", o.version ? json(core::to_string(*o.version)) : json(nullptr)},
        {"cipher", o.cipher.empty() ? json(nullptr) : json(o.cipher)},
        {"group", o.group.empty() ? json(nullptr) : json(o.group)},
        {"alpn", o.alpn.empty() ? json(nullptr) : json(o.alpn)},
        {"alert", alert_json(o.alert)},
        {"client_certificate_requested", o.client_certificate_requested},
        {"client_certificate_presented", o.client_certificate_presented},
        {"client_certificate_refused", o.client_certificate_refused},
        {"client_ca_names", o.client_ca_names},
        {"first_bytes_hex",
         o.first_bytes.empty() ? json(nullptr) : json(core::to_hex(o.first_bytes))},
        {"first_bytes_text",
         o.first_bytes.empty() ? json(nullptr) : json(core::printable_excerpt(o.first_bytes, 256))},
        {"certificates", o.chain.size()},
        {"detail", o.detail},
    };
    if (include_trace) {
        json trace = json::array();
        for (const auto& e : o.trace)
            trace.push_back({{"at_ms", to_ms(e.at)},
                             {"direction", core::to_string(e.direction)},
                             {"event", e.summary}});
        j["trace"] = std::move(trace);
    }
    return j;
}

json to_json(const x509::ChainReport& chain, std::chrono::system_clock::time_point now) {
    json certs = json::array();
    for (const auto& c : chain.certificates) certs.push_back(certificate_json(c, now));
    json ids = json::array();
    json details = json::array();
    for (const auto& p : chain.problems) {
        ids.push_back(x509::to_string(p.kind));
        details.push_back({{"id", x509::to_string(p.kind)},
                           {"certificate", optional_json(p.certificate)},
                           {"detail", p.detail}});
    }
    json path = json::array();
    json path_certificates = json::array();
    for (const auto& e : chain.path) {
        path.push_back(e.subject);
        path_certificates.push_back(optional_json(e.certificate));
    }
    return {
        {"certificates", std::move(certs)},
        {"trusted", chain.trusted},
        {"verify_error", chain.verify_error == 0 ? json(nullptr)
                                                 : json({{"code", chain.verify_error},
                                                         {"text", chain.verify_error_text}})},
        {"path", std::move(path)},
        {"path_certificates", std::move(path_certificates)},
        {"root_sent", chain.root_sent},
        {"intended_leaf", optional_json(chain.intended_leaf)},
        {"correct_order", chain.correct_order},
        {"hostname", x509::to_string(chain.hostname)},
        {"problems", std::move(ids)},
        {"problem_details", std::move(details)},
    };
}

json to_json(const probe::TargetResult& r, const JsonOptions& options) {
    const auto& t = r.target;
    json versions = json::object();
    for (auto v : core::all_versions)
        versions[std::string(core::to_string(v))] = version_json(r.version(v));

    json probes = json::array();
    for (const auto& p : r.probes) {
        json j = to_json(p.observation, options.include_trace);
        j["id"] = p.spec.id;
        j["engine"] = to_string(p.spec.engine);
        j["role"] = to_string(p.spec.role);
        j["offered_version"] =
            p.spec.version ? json(core::to_string(*p.spec.version)) : json("all");
        j["sni"] = optional_json(p.spec.sni);
        probes.push_back(std::move(j));
    }

    json chain = nullptr;
    if (r.chain) {
        chain = to_json(*r.chain, r.started);
        chain["source"] = r.chain_source;
        chain["differs_in"] = r.chain_differs;
    }

    json trust = json::array();
    for (const auto& v : r.trust)
        trust.push_back({{"store", v.store},
                         {"description", v.description},
                         {"trusted", v.trusted},
                         {"error", v.error.empty() ? json(nullptr) : json(v.error)},
                         {"problem", v.problem.empty() ? json(nullptr) : json(v.problem)}});

    json diagnosis = json::array();
    for (const auto& d : r.diagnosis) diagnosis.push_back(diagnosis_json(d));

    json checks = json::object();
    for (const auto& c : r.checks) checks[std::string(c->kind())] = c->to_json();

    json findings = json::array();
    for (const auto& f : r.findings)
        findings.push_back({{"id", f.id},
                            {"severity", to_string(f.severity)},
                            {"title", f.title},
                            {"detail", f.detail}});

    return {
        {"schema_version", kSchemaVersion},
        {"target",
         {{"host", t.host},
          {"host_unicode", t.host_unicode.empty() ? json(nullptr) : json(t.host_unicode)},
          {"port", t.port},
          {"address", r.address.empty() ? json(nullptr) : json(r.address)},
          {"sni", optional_json(t.sni)},
          {"connect_to", optional_json(t.connect_to)},
          {"starttls", t.starttls == wire::StartTls::none ? json(nullptr)
                                                          : json(wire::to_string(t.starttls))},
          {"resolved", r.resolved}}},
        {"started", iso8601(r.started)},
        {"duration_ms", to_ms(r.duration)},
        {"versions", std::move(versions)},
        {"probes", std::move(probes)},
        {"chain", std::move(chain)},
        {"trust", std::move(trust)},
        {"dh_groups", dh_groups_json(r)},
        {"dh_groups_seen", r.dh_groups_seen},
        {"verdict", r.summary},
        {"target_verdict", to_string(r.verdict)},
        {"platform", platform_json(r.platform)},
        {"client_certificate", to_string(r.facts.client_certificate)},
        {"diagnosis", std::move(diagnosis)},
        {"http", http_json(r.http)},
        {"checks", std::move(checks)},
        {"findings", std::move(findings)},
    };
}

std::string render_json(const probe::TargetResult& result, const JsonOptions& options) {
    // Every network string was made safe UTF-8 at the boundary; `replace` is the second line
    // of defence, so no content can make the renderer throw (type_error 316).
    return to_json(result, options).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace tlsprobe::report
