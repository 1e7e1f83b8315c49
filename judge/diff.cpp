#include "judge/diff.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "core/version.hpp"

namespace tlsprobe::judge {

using nlohmann::json;

namespace {

// ---- reading the probe document -----------------------------------------------------------

const json& member(const json& j, const char* key, json::value_t type, std::string_view where) {
    const auto it = j.find(key);
    if (it == j.end() || it->type() != type) {
        const char* kind = type == json::value_t::object  ? "object"
                           : type == json::value_t::array ? "array"
                                                          : "string";
        throw std::invalid_argument(
            fmt::format("not a tlsprobe probe document: no \"{}\" {}{}", key, kind, where));
    }
    return *it;
}

std::string text_of(const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string label_of(const json& target) {
    std::string label = text_of(target, "host");
    if (const auto port = target.find("port"); port != target.end() && port->is_number_integer())
        label += fmt::format(":{}", port->get<long long>());
    const std::string address = text_of(target, "address");
    if (!address.empty() && address != text_of(target, "host")) label += " (" + address + ")";
    return label;
}

std::vector<std::string> strings(const json& j) {
    std::vector<std::string> out;
    if (!j.is_array()) return out;
    for (const auto& e : j)
        if (e.is_string()) out.push_back(e.get<std::string>());
    return out;
}

std::optional<long long> integer(const json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_number_integer()) return std::nullopt;
    return it->get<long long>();
}

// The SNI variants, the plain-HTTP check and the http and clients checks, where present.
void read_sni_http_clients(const json& doc, DiffSnapshot& s) {
    if (const auto probes = doc.find("probes"); probes != doc.end() && probes->is_array())
        for (const auto& p : *probes) {
            if (!p.is_object()) continue;
            const auto id = text_of(p, "id");
            if (id == "no_sni" || id == "other_sni") s.sni[id] = text_of(p, "status");
        }
    if (const auto h = doc.find("http"); h != doc.end() && h->is_object()) {
        DiffSnapshot::Http http;
        http.status = text_of(*h, "status");
        http.http_status = integer(*h, "http_status");
        s.http = std::move(http);
    }
    const auto checks = doc.find("checks");
    if (checks == doc.end() || !checks->is_object()) return;
    if (const auto h = checks->find("http"); h != checks->end() && h->is_object()) {
        DiffSnapshot::Https https;
        https.status = integer(*h, "status");
        if (const auto hsts = h->find("hsts"); hsts != h->end() && hsts->is_object()) {
            https.hsts = true;
            https.hsts_max_age = integer(*hsts, "max_age");
        }
        s.https = https;
    }
    if (const auto c = checks->find("clients"); c != checks->end() && c->is_object()) {
        const auto list = c->find("clients");
        if (list == c->end() || !list->is_array() || list->empty()) return;  // no client data
        s.clients.emplace();
        for (const auto& e : *list) {
            if (!e.is_object()) continue;
            DiffSnapshot::Client client;
            client.name = text_of(e, "name");
            if (const auto k = e.find("connected"); k != e.end() && k->is_boolean())
                client.connected = k->get<bool>();
            client.failure = text_of(e, "failure");
            client.detail = text_of(e, "detail");
            if (!client.name.empty()) s.clients->push_back(std::move(client));
        }
    }
}

// ---- comparing ----------------------------------------------------------------------------

int verdict_rank(std::string_view v) {
    static constexpr std::string_view order[] = {"ok", "warn", "fail", "no_tls", "unreachable"};
    for (std::size_t i = 0; i < std::size(order); ++i)
        if (order[i] == v) return static_cast<int>(i);
    return static_cast<int>(std::size(order));  // unknown: the worst
}

std::string supported_text(const std::optional<bool>& s) {
    return !s ? "unknown" : *s ? "accepted" : "refused";
}

bool modern(std::string_view display) { return display == "TLS 1.2" || display == "TLS 1.3"; }

class Changes {
public:
    std::vector<DiffChange> list;
    DiffChange& add(std::string area, std::string item, std::string change, std::string before,
                    std::string after) {
        DiffChange c;
        c.area = std::move(area);
        c.item = std::move(item);
        c.change = std::move(change);
        c.before = std::move(before);
        c.after = std::move(after);
        list.push_back(std::move(c));
        return list.back();
    }
};

void regression(DiffChange& c, std::string note) {
    c.regression = true;
    c.note = std::move(note);
}

void compare_versions(const DiffSnapshot& a, const DiffSnapshot& b, Changes& out) {
    for (const auto& va : a.versions) {
        const auto it = std::find_if(b.versions.begin(), b.versions.end(),
                                     [&](const auto& v) { return v.name == va.name; });
        if (it == b.versions.end()) continue;
        const auto& vb = *it;
        const bool had = va.supported.value_or(false), has = vb.supported.value_or(false);
        if (had && !has) {
            auto& c = out.add("versions", va.name, "lost", supported_text(va.supported),
                              supported_text(vb.supported));
            if (modern(va.name))
                regression(c, fmt::format("clients that connect with {} today fail after the "
                                          "cut-over",
                                          va.name));
            else
                c.note = fmt::format("clients limited to {} fail (dropping it is what hardening "
                                     "asks for)",
                                     va.name);
        } else if (!had && has) {
            auto& c = out.add("versions", va.name, "gained", supported_text(va.supported),
                              supported_text(vb.supported));
            if (!modern(va.name)) c.note = "a legacy version the old server did not accept";
        }
    }
    // Suites, where both sides enumerated the version.
    for (const auto& va : a.versions) {
        const auto it = std::find_if(b.versions.begin(), b.versions.end(),
                                     [&](const auto& v) { return v.name == va.name; });
        if (it == b.versions.end() || !va.ciphers || !it->ciphers) continue;
        const std::set<std::string> before(va.ciphers->begin(), va.ciphers->end());
        const std::set<std::string> after(it->ciphers->begin(), it->ciphers->end());
        for (const auto& s : *va.ciphers)
            if (!after.count(s)) {
                auto& c = out.add("ciphers", fmt::format("{} ({})", s, va.name), "lost", s, "");
                if (it->supported.value_or(false))
                    c.note = "a client that can only use this suite fails";
            }
        for (const auto& s : *it->ciphers)
            if (!before.count(s)) out.add("ciphers", fmt::format("{} ({})", s, va.name), "gained", "", s);
    }
}

void compare_certificate(const DiffSnapshot& a, const DiffSnapshot& b, Changes& out) {
    if (!a.leaf && !b.leaf) return;
    if (!a.leaf || !b.leaf) {
        auto& c = out.add("certificate", "leaf", a.leaf ? "lost" : "gained",
                          a.leaf ? a.leaf->subject : "", b.leaf ? b.leaf->subject : "");
        if (a.leaf) regression(c, "the new server presented no certificate that could be analysed");
        return;
    }
    const auto& x = *a.leaf;
    const auto& y = *b.leaf;
    if (x.sha256 == y.sha256) return;  // the same certificate: nothing below changes
    out.add("certificate", "fingerprint", "changed", x.sha256, y.sha256).note =
        "another certificate is served (pinning clients notice)";
    if (x.subject != y.subject) out.add("certificate", "subject", "changed", x.subject, y.subject);
    if (x.issuer != y.issuer) out.add("certificate", "issuer", "changed", x.issuer, y.issuer);
    if (x.key != y.key) out.add("certificate", "key", "changed", x.key, y.key);
    if (x.not_after != y.not_after) {
        auto& c = out.add("certificate", "expiry", "changed", x.not_after, y.not_after);
        if (y.not_after < x.not_after) c.note = "the new certificate expires earlier";
    }
    const std::set<std::string> before(x.names.begin(), x.names.end());
    const std::set<std::string> after(y.names.begin(), y.names.end());
    for (const auto& n : x.names)
        if (!after.count(n))
            regression(out.add("certificate", "name " + n, "lost", n, ""),
                       fmt::format("clients asking for {} get a name mismatch", n));
    for (const auto& n : y.names)
        if (!before.count(n)) out.add("certificate", "name " + n, "gained", "", n);
}

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : " | ") + s;
    return out;
}

void compare_chain(const DiffSnapshot& a, const DiffSnapshot& b, Changes& out) {
    if (a.trusted != b.trusted) {
        auto text = [](const std::optional<bool>& t) {
            return !t ? std::string("no chain") : *t ? "trusted" : "not trusted";
        };
        auto& c = out.add("chain", "trust", "changed", text(a.trusted), text(b.trusted));
        if (a.trusted.value_or(false))
            regression(c, "clients that trusted the old chain do not trust the new one");
    }
    if (a.hostname != b.hostname && !a.hostname.empty() && !b.hostname.empty()) {
        auto& c = out.add("chain", "hostname", "changed", a.hostname, b.hostname);
        if (a.hostname == "match")
            regression(c, "the new certificate does not cover the name the old one matched");
    }
    if (a.served != b.served && a.leaf && b.leaf) {
        auto& c = out.add("chain", "served certificates", "changed",
                          fmt::format("{}: {}", a.served.size(), joined(a.served)),
                          fmt::format("{}: {}", b.served.size(), joined(b.served)));
        if (b.served.size() < a.served.size()) c.note = "the new server sends fewer certificates";
    }
    const std::set<std::string> before(a.chain_problems.begin(), a.chain_problems.end());
    const std::set<std::string> after(b.chain_problems.begin(), b.chain_problems.end());
    for (const auto& p : after)
        if (!before.count(p)) out.add("chain", p, "added", "", p);
    for (const auto& p : before)
        if (!after.count(p)) out.add("chain", p, "removed", p, "");
}

void compare_groups(const DiffSnapshot& a, const DiffSnapshot& b, Changes& out) {
    for (const auto& va : a.versions) {
        const auto it = std::find_if(b.versions.begin(), b.versions.end(),
                                     [&](const auto& v) { return v.name == va.name; });
        // Only where both sides accept the version and recorded its groups.
        if (it == b.versions.end() || va.groups.empty() || it->groups.empty()) continue;
        const std::set<std::string> before(va.groups.begin(), va.groups.end());
        const std::set<std::string> after(it->groups.begin(), it->groups.end());
        for (const auto& g : va.groups)
            if (!after.count(g))
                out.add("groups", fmt::format("{} ({})", g, va.name), "lost", g, "").note =
                    "a client that offers only this group needs another round trip or fails";
        for (const auto& g : it->groups)
            if (!before.count(g)) out.add("groups", fmt::format("{} ({})", g, va.name), "gained", "", g);
    }
}

void compare_sni(const DiffSnapshot& a, const DiffSnapshot& b, Changes& out) {
    for (const auto& [id, before] : a.sni) {
        const auto it = b.sni.find(id);
        if (it == b.sni.end() || it->second == before) continue;
        const bool no_sni = id == "no_sni";
        auto& c = out.add("sni", no_sni ? "without SNI" : "another name", "changed", before,
                          it->second);
        if (no_sni && before == "negotiated")
            regression(c, "clients that send no server name (old Android and Windows XP "
                          "clients, scripts, monitors) connected and now fail");
        else if (!no_sni)
            c.note = "what a client asking for a name the server does not know gets";
    }
}

std::string http_text(const DiffSnapshot::Http& h) {
    return h.http_status ? fmt::format("{} {}", h.status, *h.http_status) : h.status;
}

void compare_http(const DiffSnapshot& a, const DiffSnapshot& b, Changes& out) {
    if (a.http && b.http && http_text(*a.http) != http_text(*b.http)) {
        auto& c = out.add("http", "plain HTTP", "changed", http_text(*a.http), http_text(*b.http));
        if (a.http->status == "answered" && b.http->status != "answered")
            regression(c, "plain HTTP answered on the old server and does not on the new one "
                          "(a name typed without https:// fails)");
    }
    if (!a.https || !b.https) return;
    auto status = [](const std::optional<long long>& s) {
        return s ? std::to_string(*s) : std::string("no response");
    };
    if (a.https->status != b.https->status)
        out.add("http", "HTTPS response", "changed", status(a.https->status),
                status(b.https->status));
    auto hsts = [](const DiffSnapshot::Https& h) {
        if (!h.hsts) return std::string();
        return h.hsts_max_age ? fmt::format("max-age={}", *h.hsts_max_age)
                              : std::string("present");
    };
    const auto before = hsts(*a.https), after = hsts(*b.https);
    if (before == after) return;
    if (after.empty())
        out.add("http", "HSTS", "lost", before, "").note =
            "browsers that have not visited before are no longer told to use HTTPS only";
    else if (before.empty())
        out.add("http", "HSTS", "gained", "", after);
    else {
        auto& c = out.add("http", "HSTS", "changed", before, after);
        if (b.https->hsts_max_age.value_or(0) < a.https->hsts_max_age.value_or(0))
            c.note = "a shorter max-age";
    }
}

void compare_clients(const DiffSnapshot& a, const DiffSnapshot& b, Changes& out) {
    if (!a.clients || !b.clients) return;  // the simulation ran on one side only, or neither
    for (const auto& x : *a.clients) {
        const auto it = std::find_if(b.clients->begin(), b.clients->end(),
                                     [&](const auto& y) { return y.name == x.name; });
        if (it == b.clients->end() || it->connected == x.connected) continue;
        if (x.connected) {
            const auto reason = it->detail.empty() ? it->failure
                                                   : fmt::format("{}: {}", it->failure, it->detail);
            regression(out.add("clients", x.name, "lost", "connects", reason),
                       fmt::format("{} connected to the old server and fails on the new one",
                                   x.name));
        } else {
            out.add("clients", x.name, "gained", x.failure, "connects");
        }
    }
}

void compare_findings(const DiffSnapshot& a, const DiffSnapshot& b, Changes& out) {
    for (const auto& [id, severity] : b.findings) {
        const auto old = a.findings.find(id);
        if (old == a.findings.end()) {
            auto& c = out.add("findings", id, "added", "", std::string(probe::to_string(severity)));
            if (severity >= probe::Severity::medium)
                regression(c, fmt::format("a new {} finding", probe::to_string(severity)));
        } else if (old->second != severity) {
            auto& c = out.add("findings", id, "changed", std::string(probe::to_string(old->second)),
                              std::string(probe::to_string(severity)));
            if (severity > old->second && severity >= probe::Severity::medium)
                regression(c, fmt::format("raised to {}", probe::to_string(severity)));
        }
    }
    for (const auto& [id, severity] : a.findings)
        if (!b.findings.count(id))
            out.add("findings", id, "removed", std::string(probe::to_string(severity)), "");
}

}  // namespace

DiffSnapshot snapshot_from_json(const json& doc, std::string label) {
    if (!doc.is_object())
        throw std::invalid_argument("not a tlsprobe probe document: not a JSON object");
    DiffSnapshot s;
    const auto& target = member(doc, "target", json::value_t::object, "");
    s.label = label.empty() ? label_of(target) : std::move(label);
    s.verdict = member(doc, "target_verdict", json::value_t::string, "").get<std::string>();

    const auto& versions = member(doc, "versions", json::value_t::object, "");
    for (const auto v : core::all_versions) {
        const auto it = versions.find(std::string(core::to_string(v)));
        if (it == versions.end() || !it->is_object()) continue;
        DiffSnapshot::Version out;
        out.name = std::string(core::display_name(v));
        if (const auto sup = it->find("supported"); sup != it->end() && sup->is_boolean())
            out.supported = sup->get<bool>();
        if (const auto c = it->find("ciphers"); c != it->end() && c->is_array()) {
            out.ciphers.emplace();
            for (const auto& e : *c) out.ciphers->push_back(text_of(e, "name"));
        }
        out.groups = strings(it->value("groups", json::array()));
        s.versions.push_back(std::move(out));
    }

    if (const auto chain = doc.find("chain"); chain != doc.end() && chain->is_object()) {
        if (const auto t = chain->find("trusted"); t != chain->end() && t->is_boolean())
            s.trusted = t->get<bool>();
        s.hostname = text_of(*chain, "hostname");
        s.chain_problems = strings(chain->value("problems", json::array()));
        const auto certs = chain->value("certificates", json::array());
        for (const auto& c : certs)
            if (c.is_object()) s.served.push_back(text_of(c, "subject"));
        if (!certs.empty() && certs.front().is_object()) {
            const auto& c = certs.front();
            DiffSnapshot::Certificate leaf;
            leaf.subject = text_of(c, "subject");
            leaf.issuer = text_of(c, "issuer");
            leaf.sha256 = text_of(c, "sha256");
            leaf.not_after = text_of(c, "not_after");
            leaf.key = text_of(c, "key");
            leaf.names = strings(c.value("san", json::array()));
            s.leaf = std::move(leaf);
        }
    }

    for (const auto& f : member(doc, "findings", json::value_t::array, "")) {
        const std::string id = text_of(f, "id");
        const auto severity = probe::parse_severity(text_of(f, "severity"));
        if (id.empty() || !severity) continue;
        auto [it, inserted] = s.findings.emplace(id, *severity);
        if (!inserted) it->second = std::max(it->second, *severity);
    }
    read_sni_http_clients(doc, s);
    return s;
}

DiffPolicy compare_policy(std::string name, std::string source,
                          const std::vector<RuleResult>& old_rules,
                          const std::vector<RuleResult>& new_rules) {
    DiffPolicy p;
    p.name = std::move(name);
    p.source = std::move(source);
    auto add = [&](const RuleResult* before, const RuleResult* after) {
        DiffRule r;
        const auto& any = before ? *before : *after;
        r.id = any.id;
        r.title = any.title;
        if (before) {
            r.before = before->status;
            r.before_actual = before->status == RuleStatus::not_applicable && !before->evidence.empty()
                                  ? before->evidence.front()
                                  : before->actual;
        }
        if (after) {
            r.after = after->status;
            r.after_actual = after->status == RuleStatus::not_applicable && !after->evidence.empty()
                                 ? after->evidence.front()
                                 : after->actual;
        }
        const bool failed = r.before == RuleStatus::fail, fails = r.after == RuleStatus::fail;
        r.outcome = failed && fails  ? "already_failing"
                    : fails          ? "regression"
                    : failed         ? "fixed"
                    : r.before == r.after ? "unchanged"
                                          : "not_evaluated";
        r.regression = fails && !failed;
        p.rules.push_back(std::move(r));
    };
    for (const auto& o : old_rules) {
        const auto it = std::find_if(new_rules.begin(), new_rules.end(),
                                     [&](const RuleResult& n) { return n.id == o.id; });
        add(&o, it == new_rules.end() ? nullptr : &*it);
    }
    for (const auto& n : new_rules)
        if (std::none_of(old_rules.begin(), old_rules.end(),
                         [&](const RuleResult& o) { return o.id == n.id; }))
            add(nullptr, &n);
    return p;
}

EndpointDiff diff_endpoints(DiffSnapshot old_side, DiffSnapshot new_side,
                            std::optional<DiffPolicy> policy) {
    Changes out;
    if (old_side.verdict != new_side.verdict) {
        auto& c = out.add("verdict", "verdict", "changed", old_side.verdict, new_side.verdict);
        if (verdict_rank(new_side.verdict) > verdict_rank(old_side.verdict))
            regression(c, "the new server's verdict is worse");
    }
    compare_versions(old_side, new_side, out);
    compare_groups(old_side, new_side, out);
    compare_certificate(old_side, new_side, out);
    compare_chain(old_side, new_side, out);
    compare_sni(old_side, new_side, out);
    compare_http(old_side, new_side, out);
    compare_clients(old_side, new_side, out);
    compare_findings(old_side, new_side, out);

    EndpointDiff d;
    d.old_side = std::move(old_side);
    d.new_side = std::move(new_side);
    d.changes = std::move(out.list);
    if (policy) {
        // The policy is the gate: the built-in rules above only describe.
        for (auto& c : d.changes) c.regression = false;
        d.regression = std::any_of(policy->rules.begin(), policy->rules.end(),
                                   [](const DiffRule& r) { return r.regression; });
        d.policy = std::move(policy);
    } else {
        d.regression = std::any_of(d.changes.begin(), d.changes.end(),
                                   [](const DiffChange& c) { return c.regression; });
    }
    return d;
}

}  // namespace tlsprobe::judge
