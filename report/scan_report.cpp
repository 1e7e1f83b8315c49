#include "report/scan_report.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/color.h>
#include <fmt/format.h>

#include "core/text.hpp"
#include "core/version.hpp"
#include "judge/finding.hpp"
#include "probe/finding.hpp"
#include "report/format_util.hpp"

namespace tlsprobe::report {

using nlohmann::json;
using scan::ScanVerdict;

namespace {

constexpr std::array<ScanVerdict, 7> kVerdicts{
    ScanVerdict::ok,          ScanVerdict::warn,    ScanVerdict::fail, ScanVerdict::no_tls,
    ScanVerdict::unreachable, ScanVerdict::timeout, ScanVerdict::error};

// Worst first in the summary: a site that is reached but broken matters more than one that
// is gone; within a verdict, the more severe finding first.
int verdict_rank(ScanVerdict v) {
    switch (v) {
        case ScanVerdict::no_tls: return 60;
        case ScanVerdict::fail: return 50;
        case ScanVerdict::timeout: return 40;
        case ScanVerdict::error: return 35;
        case ScanVerdict::unreachable: return 30;
        case ScanVerdict::warn: return 20;
        case ScanVerdict::ok: return 0;
    }
    return 0;
}

std::string reason_of(const scan::ScanRecord& r) {
    if (r.outcome != scan::ScanOutcome::completed) return r.detail;
    const auto& t = r.result;
    if (!t.diagnosis.empty())
        return fmt::format("{}: {}", t.diagnosis.front().id, t.diagnosis.front().summary);
    if (!t.findings.empty())
        return fmt::format("{}: {}", t.findings.front().id, t.findings.front().detail);
    return {};
}

std::string shorten(std::string_view s, std::size_t n) {
    return s.size() <= n ? std::string(s) : fmt::format("{}...", core::utf8_prefix(s, n - 3));
}

std::string support_cell(const std::optional<bool>& s) { return s ? (*s ? "yes" : "no") : ""; }

}  // namespace

json scan_record_json(const scan::ScanRecord& record, const JsonOptions& options) {
    json j = to_json(record.result, options);
    j["record"] = "target";
    j["input_line"] = record.item.line;
    j["key"] = record.item.key;
    j["scan"] = {{"outcome", to_string(record.outcome)},
                 {"verdict", to_string(record.verdict)},
                 {"detail", record.detail}};
    return j;
}

void ScanSummary::add(const scan::ScanRecord& record) {
    ++targets_;
    const auto verdict = record.verdict;
    ++verdicts_[static_cast<std::size_t>(verdict)];
    const auto& r = record.result;
    if (record.outcome == scan::ScanOutcome::completed &&
        r.verdict != probe::TargetVerdict::unreachable)
        for (std::size_t i = 0; i < versions_.size(); ++i) {
            const auto& s = r.versions[i].supported;
            auto& c = versions_[i];
            ++(s ? (*s ? c.yes : c.no) : c.unknown);
        }
    for (const auto& f : r.findings) ++findings_[f.id];
    for (const auto& d : r.diagnosis) ++diagnoses_[d.id];

    if (verdict == ScanVerdict::ok || keep_worst_ == 0) return;
    const auto worst = r.worst_severity();
    add_worst({record.item.line, record.item.key, verdict,
               verdict_rank(verdict) + (worst ? static_cast<int>(*worst) : 0), reason_of(record)});
}

// The fields add_earlier reads, from a record's JSON tree (`tlsprobe merge`). Throws
// nlohmann::json::exception where a field add_earlier needs has the wrong type.
static ScanRecordFields fields_of(const json& j) {
    ScanRecordFields f;
    f.key = j.at("key").get<std::string>();
    f.input_line = j.value("input_line", std::size_t{0});
    f.target_verdict = j.value("target_verdict", std::string());
    const json& scan = j.at("scan");
    f.has_scan = scan.is_object();
    f.verdict = scan.at("verdict").get<std::string>();
    f.outcome = scan.value("outcome", std::string());
    if (scan.contains("detail")) f.detail = scan.value("detail", std::string());
    if (const auto versions = j.find("versions"); versions != j.end())
        for (auto v : core::all_versions) {
            const auto i = static_cast<std::size_t>(v);
            const auto at = versions->find(std::string(core::to_string(v)));
            if (at == versions->end() || !at->contains("supported")) continue;
            const json& s = at->at("supported");
            f.version_seen[i] = true;
            if (!s.is_null()) f.supported[i] = s.get<bool>();
        }
    for (const auto& x : j.value("findings", json::array()))
        f.findings.push_back({x.at("id").get<std::string>(), x.value("severity", std::string()),
                              x.value("detail", std::string())});
    for (const auto& x : j.value("diagnosis", json::array()))
        f.diagnosis.push_back(
            {x.at("id").get<std::string>(), std::string(), x.value("summary", std::string())});
    return f;
}

void ScanSummary::add_earlier(const json& j) {
    if (!add_earlier(fields_of(j)))
        throw json::other_error::create(501, "a scan record without the fields of one", &j);
}

bool ScanSummary::add_earlier(const ScanRecordFields& f) {
    // Check everything first, so a malformed record changes no counter.
    if (f.malformed || !f.key || !f.has_scan || !f.verdict) return false;
    const auto* known = std::find_if(kVerdicts.begin(), kVerdicts.end(),
                                     [&](ScanVerdict v) { return to_string(v) == *f.verdict; });
    const ScanVerdict verdict = known != kVerdicts.end() ? *known : ScanVerdict::error;
    const bool completed = f.outcome.value_or("") == to_string(scan::ScanOutcome::completed);
    const bool count_versions = completed && f.target_verdict != "unreachable";
    if (count_versions)
        for (const bool seen : f.version_seen)
            if (!seen) return false;
    std::optional<probe::Severity> worst;
    for (const auto& x : f.findings) {
        if (!x.id) return false;
        if (const auto sev = probe::parse_severity(x.severity); sev && (!worst || *sev > *worst))
            worst = sev;
    }
    for (const auto& x : f.diagnosis)
        if (!x.id) return false;
    std::string reason = completed ? std::string() : f.detail.value_or("");
    if (completed && reason.empty()) {
        if (!f.diagnosis.empty())
            reason = fmt::format("{}: {}", *f.diagnosis.front().id, f.diagnosis.front().text);
        else if (!f.findings.empty())
            reason = fmt::format("{}: {}", *f.findings.front().id, f.findings.front().text);
    }

    ++targets_;
    ++earlier;
    ++verdicts_[static_cast<std::size_t>(verdict)];
    if (count_versions)
        for (std::size_t i = 0; i < versions_.size(); ++i) {
            auto& c = versions_[i];
            ++(f.supported[i] ? (*f.supported[i] ? c.yes : c.no) : c.unknown);
        }
    for (const auto& x : f.findings) ++findings_[*x.id];
    for (const auto& x : f.diagnosis) ++diagnoses_[*x.id];
    if (verdict == ScanVerdict::ok || keep_worst_ == 0) return true;
    add_worst({f.input_line, *f.key, verdict,
               verdict_rank(verdict) + (worst ? static_cast<int>(*worst) : 0), std::move(reason)});
    return true;
}

void ScanSummary::add_worst(Worst w) {
    auto before = [](const Worst& a, const Worst& b) {
        return a.rank != b.rank ? a.rank > b.rank : a.line < b.line;
    };
    if (worst_.size() == keep_worst_ && !before(w, worst_.back())) return;
    worst_.insert(std::upper_bound(worst_.begin(), worst_.end(), w, before), std::move(w));
    if (worst_.size() > keep_worst_) worst_.pop_back();
}

void ScanSummary::add_input_error(std::size_t line, const scan::InputError& error) {
    ++input_errors_;
    if (errors_.size() < 20) errors_.emplace_back(line, error);
}

void ScanSummary::merge_input_errors(const json& shard_summary) {
    input_errors_ =
        std::max(input_errors_, shard_summary.value("input_errors", std::size_t{0}));
    const auto listed = shard_summary.find("first_input_errors");
    if (listed == shard_summary.end() || !listed->is_array()) return;
    for (const auto& e : *listed) {
        const auto line = e.at("line").get<std::size_t>();
        const auto at = std::lower_bound(errors_.begin(), errors_.end(), line,
                                         [](const auto& have, std::size_t n) { return have.first < n; });
        if (at != errors_.end() && at->first == line) continue;
        errors_.insert(at, {line, scan::InputError{e.at("text").get<std::string>(),
                                                   e.at("reason").get<std::string>()}});
        if (errors_.size() > 20) errors_.pop_back();
    }
    input_errors_ = std::max(input_errors_, errors_.size());
}

std::size_t ScanSummary::reached() const {
    return targets_ - count(ScanVerdict::unreachable) - count(ScanVerdict::error);
}

std::string scan_record_line(const scan::ScanRecord& record, const JsonOptions& options) {
    return scan_record_json(record, options).dump(-1, ' ', false, json::error_handler_t::replace);
}

json ScanSummary::to_json() const {
    json verdicts = json::object(), versions = json::object();
    for (auto v : kVerdicts) verdicts[std::string(to_string(v))] = count(v);
    for (auto v : core::all_versions) {
        const auto& c = versions_[static_cast<std::size_t>(v)];
        versions[std::string(core::to_string(v))] = {
            {"yes", c.yes}, {"no", c.no}, {"unknown", c.unknown}};
    }
    return {{"record", "summary"},
            {"targets", targets_},
            {"verdicts", verdicts},
            {"versions", versions},
            {"findings", findings_},
            {"diagnosis", diagnoses_},
            {"input_errors", input_errors_},
            {"duplicates", duplicates},
            {"resumed", resumed},
            {"other_shards", other_shards},
            {"stopped", stopped},
            {"not_started", not_started},
            {"earlier", earlier},
            {"elapsed_s", elapsed.count()},
            {"first_input_errors", [&] {
                 json list = json::array();
                 for (const auto& [line, e] : errors_)
                     list.push_back({{"line", line}, {"text", e.text}, {"reason", e.reason}});
                 return list;
             }()}};
}

std::string render_scan_summary(const ScanSummary& s, const ScanTextOptions& options) {
    auto paint = [&](ScanVerdict v, std::string_view text) {
        if (!options.color) return std::string(text);
        if (v == ScanVerdict::ok)
            return fmt::format(fmt::fg(fmt::terminal_color::green), "{}", text);
        if (v == ScanVerdict::warn)
            return fmt::format(fmt::fg(fmt::terminal_color::yellow), "{}", text);
        return fmt::format(fmt::fg(fmt::terminal_color::red) | fmt::emphasis::bold, "{}", text);
    };
    std::string out;
    auto line = [&](const std::string& text) {
        out += fit_text(text, options.width);
        out += '\n';
    };
    const double secs = s.elapsed.count();
    const std::size_t this_run = s.targets() - s.earlier;
    line(fmt::format(
        "Scanned {} target{}{} in {:.1f} s ({:.1f} hosts/s){}", s.targets(),
        s.targets() == 1 ? "" : "s",
        s.earlier ? fmt::format(" ({} in this run, {} from earlier runs in the JSONL file)",
                                this_run, s.earlier)
                  : "",
        secs, secs > 0 ? static_cast<double>(this_run) / secs : 0.0,
        s.stopped ? fmt::format("; STOPPED early, {} target(s) not started", s.not_started) : ""));
    std::vector<std::string> skipped;
    if (s.input_errors()) skipped.push_back(fmt::format("{} bad input line(s)", s.input_errors()));
    if (s.duplicates) skipped.push_back(fmt::format("{} duplicate(s)", s.duplicates));
    if (s.resumed)
        skipped.push_back(fmt::format("{} already in the JSONL file (--resume)", s.resumed));
    if (s.other_shards) skipped.push_back(fmt::format("{} in other shards", s.other_shards));
    if (!skipped.empty()) line(fmt::format("Skipped: {}", fmt::join(skipped, ", ")));

    line("\nVerdict         targets");
    for (auto v : kVerdicts)
        if (s.count(v))
            line(fmt::format("  {}{} {:>7}", paint(v, to_string(v)),
                             std::string(13 - to_string(v).size(), ' '), s.count(v)));

    line("\nVersion      yes     no   unknown   (targets reached)");
    for (auto it = core::all_versions.rbegin(); it != core::all_versions.rend(); ++it) {
        const auto& c = s.versions()[static_cast<std::size_t>(*it)];
        line(fmt::format("  {:<8} {:>5} {:>6} {:>9}", core::display_name(*it), c.yes, c.no,
                         c.unknown));
    }

    auto by_count = [](const std::map<std::string, std::size_t>& m) {
        std::vector<std::pair<std::string, std::size_t>> v(m.begin(), m.end());
        std::stable_sort(v.begin(), v.end(),
                         [](const auto& a, const auto& b) { return a.second > b.second; });
        return v;
    };
    if (!s.findings().empty()) {
        line("\nFinding                                  severity   targets");
        for (const auto& [id, n] : by_count(s.findings())) {
            const auto* kind = judge::find_finding_kind(id);
            line(
                fmt::format("  {:<40} {:<9} {:>7}", id, kind ? to_string(kind->severity) : "?", n));
        }
    }
    if (!s.diagnoses().empty()) {
        line("\nDiagnosis                                           targets");
        for (const auto& [id, n] : by_count(s.diagnoses()))
            line(fmt::format("  {:<50} {:>7}", id, n));
    }
    if (!s.worst().empty()) {
        line("\nWorst targets");
        for (const auto& w : s.worst()) {
            const auto head =
                fmt::format("  {} {:<32} line {:<6}",
                            paint(w.verdict, fmt::format("{:<11}", to_string(w.verdict))), w.key,
                            w.line);
            const auto reason = shorten(w.reason, 100);
            // The reason under the row when both do not fit on one line.
            if (visible_width(head) + 1 + visible_width(reason) <= options.width)
                line(head + " " + reason);
            else {
                line(head);
                line(wrap(reason, options.width, "    "));
            }
        }
    }
    if (!s.first_input_errors().empty()) {
        line(fmt::format("\nInput errors ({}; first {} shown)", s.input_errors(),
                         s.first_input_errors().size()));
        for (const auto& [n, e] : s.first_input_errors())
            line(fmt::format("  line {}: {}: {}", n, e.text, e.reason));
    }
    return out;
}

std::string csv_field(std::string_view text) {
    if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
    std::string out = "\"";
    for (char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

std::string csv_header() {
    return "line,key,host,port,address,sni,verdict,worst_severity,ssl2,ssl3,tls1_0,tls1_1,tls1_2,"
           "tls1_3,"
           "best_version,cipher,subject,not_after,days_left,sha1,trusted,hostname,findings,"
           "diagnosis,duration_ms,detail\n";
}

std::string csv_row(const scan::ScanRecord& record) { return csv_row(scan_record_json(record)); }

// The CSV row is read from the JSONL record, so `tlsprobe merge` (which has only the shards'
// records) writes exactly the rows the scan itself would have written.
std::string csv_row(const json& record) {
    const auto text = [](const json& j, const char* key) {
        const auto it = j.find(key);
        if (it == j.end() || it->is_null()) return std::string();
        return it->is_string() ? it->get<std::string>() : it->dump();
    };
    const json& target = record.at("target");
    std::vector<std::string> f;
    f.push_back(text(record, "input_line"));
    f.push_back(text(record, "key"));
    f.push_back(text(target, "host"));
    f.push_back(text(target, "port"));
    f.push_back(text(target, "address"));
    f.push_back(text(target, "sni"));
    f.push_back(text(record.at("scan"), "verdict"));
    std::optional<probe::Severity> worst;
    std::vector<std::string> ids;
    for (const auto& x : record.value("findings", json::array())) {
        ids.push_back(x.at("id").get<std::string>());
        const auto sev = probe::parse_severity(x.value("severity", std::string()));
        if (sev && (!worst || *sev > *worst)) worst = sev;
    }
    f.push_back(worst ? std::string(to_string(*worst)) : "");
    std::string best_version;
    const json& versions = record.at("versions");
    for (auto v : core::all_versions) {
        const auto name = std::string(core::to_string(v));
        const json& s = versions.at(name).at("supported");
        f.push_back(s.is_boolean() ? support_cell(s.get<bool>()) : "");
        if (s.is_boolean() && s.get<bool>()) best_version = name;
    }
    f.push_back(best_version);
    const json& chain = record.at("chain");
    std::string cipher;
    if (chain.is_object())
        for (const auto& p : record.value("probes", json::array()))
            if (p.value("id", std::string()) == text(chain, "source")) cipher = text(p, "cipher");
    f.push_back(cipher);
    // The leaf is the first certificate (x509::ChainReport::leaf).
    if (chain.is_object() && !chain.at("certificates").empty()) {
        const json& leaf = chain.at("certificates").front();
        f.push_back(text(leaf, "subject"));
        f.push_back(text(leaf, "not_after"));
        f.push_back(text(leaf, "days_left"));
        f.push_back(text(leaf, "sha1"));
        f.push_back(chain.at("trusted").get<bool>() ? "yes" : "no");
        f.push_back(text(chain, "hostname"));
    } else {
        f.insert(f.end(), 6, "");
    }
    f.push_back(fmt::format("{}", fmt::join(ids, " ")));
    const json diagnosis = record.value("diagnosis", json::array());
    f.push_back(diagnosis.empty() ? "" : text(diagnosis.front(), "id"));
    f.push_back(fmt::format("{:.1f}", record.at("duration_ms").get<double>()));
    f.push_back(text(record.at("scan"), "detail"));
    std::string row;
    for (std::size_t i = 0; i < f.size(); ++i) {
        if (i) row += ',';
        row += csv_field(f[i]);
    }
    row += '\n';
    return row;
}

std::string progress_line(std::size_t done, std::optional<std::size_t> total, std::size_t failing,
                          std::chrono::duration<double> elapsed) {
    const double secs = elapsed.count();
    const double rate = secs > 0 ? static_cast<double>(done) / secs : 0.0;
    std::string line =
        total ? fmt::format("{}/{} targets", done, *total) : fmt::format("{} targets", done);
    line += fmt::format("  {:.1f} hosts/s  {} failing", rate, failing);
    if (total && rate > 0 && *total >= done) {
        const auto eta = static_cast<long>(std::ceil(static_cast<double>(*total - done) / rate));
        line += eta >= 60 ? fmt::format("  ETA {}m{:02}s", eta / 60, eta % 60)
                          : fmt::format("  ETA {}s", eta);
    }
    return line;
}

JsonlRead read_jsonl(std::istream& in, const std::function<void(const json&)>& on_target,
                     const std::function<void(const json&)>& on_summary) {
    JsonlRead read;
    std::string line;
    std::uint64_t offset = 0;
    while (std::getline(in, line)) {
        const bool terminated = !in.eof();  // getline stopped at a '\n', not at the end of the file
        offset += line.size() + (terminated ? 1 : 0);
        const auto j = json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (!terminated || j.is_discarded() || !j.is_object()) {
            ++read.ignored_lines;
            continue;
        }
        read.valid_bytes = offset;
        const auto kind = j.find("record");
        if (kind == j.end() || !kind->is_string()) continue;
        if (*kind == "target" && j.contains("key") && j["key"].is_string()) {
            if (on_target) on_target(j);
        } else if (*kind == "summary" && on_summary) {
            on_summary(j);
        }
    }
    return read;
}

ResumeState read_resume(std::istream& in, ScanSummary* summary) {
    ResumeState state;
    std::string line;
    ScanRecordFields fields;  // reused: its buffers serve every line
    std::uint64_t offset = 0;
    while (std::getline(in, line)) {
        const bool terminated = !in.eof();  // getline stopped at a '\n', not at the end of the file
        offset += line.size() + (terminated ? 1 : 0);
        if (!terminated || !read_scan_record_fields(line, fields)) {
            ++state.ignored_lines;
            continue;
        }
        state.valid_bytes = offset;
        if (fields.record != "target" || !fields.key) continue;
        const bool first = state.keys.insert(*fields.key);
        if (summary && first && !summary->add_earlier(fields)) ++state.ignored_lines;
    }
    return state;
}

const ScanMerge::Shard& ScanMerge::add(std::string name, std::istream& in,
                                       const std::function<void(const json&)>& on_record) {
    Shard shard;
    shard.name = std::move(name);
    std::size_t not_started = 0;
    const auto read = read_jsonl(
        in,
        [&](const json& j) {
            if (!keys_.insert(j["key"].get<std::string>())) {
                ++shard.duplicates;
                return;
            }
            try {
                summary_.add_earlier(j);
            } catch (const json::exception&) {
                keys_.erase(j["key"].get<std::string>());
                ++shard.ignored_lines;
                return;
            }
            ++shard.records;
            if (on_record) on_record(j);
        },
        [&](const json& s) {
            // A shard's summary: the last one counts (a resumed shard appends another).
            shard.finished = !s.value("stopped", false);
            summary_.duplicates = std::max<std::size_t>(summary_.duplicates,
                                                        s.value("duplicates", std::size_t{0}));
            not_started = s.value("not_started", std::size_t{0});
            try {
                summary_.merge_input_errors(s);
            } catch (const json::exception&) {
                ++shard.ignored_lines;
            }
            summary_.elapsed = std::max(summary_.elapsed, std::chrono::duration<double>(
                                                              s.value("elapsed_s", 0.0)));
        });
    shard.ignored_lines += read.ignored_lines;
    summary_.not_started += not_started;
    // Records read back are "earlier" to a resumed scan; here they are the scan itself.
    summary_.earlier = 0;
    if (!shard.finished) summary_.stopped = true;
    shards_.push_back(std::move(shard));
    return shards_.back();
}

}  // namespace tlsprobe::report
