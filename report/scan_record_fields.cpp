#include "report/scan_record_fields.hpp"

#include <nlohmann/json.hpp>

#include "core/version.hpp"

namespace tlsprobe::report {

namespace {

using nlohmann::json;

// Where a value sits, as far as add_earlier cares.
enum class Slot {
    other,
    record,
    key,
    input_line,
    target_verdict,
    scan,
    scan_outcome,
    scan_verdict,
    scan_detail,
    supported,
    list_item,  // an element of "findings" or "diagnosis"
    item_id,
    item_severity,
    item_text,
};

class FieldsSax : public nlohmann::json_sax<json> {
public:
    explicit FieldsSax(ScanRecordFields& f) : f_(f) {}

    bool null() override { return value(Kind::null); }
    bool boolean(bool v) override {
        bool_ = v;
        return value(Kind::boolean);
    }
    bool number_integer(number_integer_t v) override {
        number_ = v < 0 ? 0 : static_cast<std::size_t>(v);
        return value(Kind::number);
    }
    bool number_unsigned(number_unsigned_t v) override {
        number_ = static_cast<std::size_t>(v);
        return value(Kind::number);
    }
    bool number_float(number_float_t v, const string_t&) override {
        number_ = v > 0 ? static_cast<std::size_t>(v) : 0;
        return value(Kind::number);
    }
    bool string(string_t& v) override {
        string_ = &v;
        return value(Kind::string);
    }
    bool binary(binary_t&) override { return value(Kind::other); }

    bool start_object(std::size_t) override {
        if (stack_.empty()) object_ = true;
        const Slot s = slot();
        if (s == Slot::scan) f_.has_scan = true;
        else if (s == Slot::list_item) list().emplace_back();
        else if (s != Slot::other) f_.malformed = true;
        push(false);
        return true;
    }
    bool end_object() override {
        stack_.pop_back();
        return true;
    }
    bool start_array(std::size_t) override {
        if (stack_.size() == 1 && (stack_[0].key == "findings" || stack_[0].key == "diagnosis"))
            ;  // the list itself
        else if (slot() != Slot::other) f_.malformed = true;
        push(true);
        return true;
    }
    bool end_array() override {
        stack_.pop_back();
        return true;
    }
    bool key(string_t& k) override {
        stack_.back().key.assign(k);
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
        return false;
    }

    bool object() const { return object_; }

private:
    enum class Kind { null, boolean, number, string, other };
    struct Frame {
        bool array = false;
        std::string key;  // in an object: the key of the value being read
    };

    void push(bool array) { stack_.push_back(Frame{array, {}}); }

    std::vector<ScanRecordFields::Item>& list() {
        return stack_[0].key == "findings" ? f_.findings : f_.diagnosis;
    }

    Slot slot() const {
        const std::size_t depth = stack_.size();
        if (depth == 0) return Slot::other;
        const std::string& top = stack_[0].key;
        if (depth == 1) {
            if (top == "record") return Slot::record;
            if (top == "key") return Slot::key;
            if (top == "input_line") return Slot::input_line;
            if (top == "target_verdict") return Slot::target_verdict;
            if (top == "scan") return Slot::scan;
            return Slot::other;
        }
        if (depth == 2 && top == "scan") {
            const std::string& k = stack_[1].key;
            if (k == "outcome") return Slot::scan_outcome;
            if (k == "verdict") return Slot::scan_verdict;
            if (k == "detail") return Slot::scan_detail;
            return Slot::other;
        }
        if (depth == 3 && top == "versions" && !stack_[1].array && !stack_[2].array &&
            stack_[2].key == "supported")
            return Slot::supported;
        if ((top == "findings" || top == "diagnosis") && depth >= 2 && stack_[1].array) {
            if (depth == 2) return Slot::list_item;
            if (depth == 3) {
                const std::string& k = stack_[2].key;
                if (k == "id") return Slot::item_id;
                if (top == "findings" && k == "severity") return Slot::item_severity;
                if (k == (top == "findings" ? "detail" : "summary")) return Slot::item_text;
            }
        }
        return Slot::other;
    }

    // A scalar at the current position.
    bool value(Kind kind) {
        const Slot s = slot();
        const bool is_string = kind == Kind::string;
        auto take = [&](std::optional<std::string>& to) {
            if (is_string) to = *string_;
            else f_.malformed = f_.malformed || kind != Kind::null;
        };
        switch (s) {
            case Slot::other: break;
            case Slot::record:
                if (is_string) f_.record = *string_;
                break;
            case Slot::key:
                if (is_string) f_.key = *string_;
                break;
            case Slot::input_line:
                if (kind == Kind::number) f_.input_line = number_;
                break;
            case Slot::target_verdict:
                if (is_string) f_.target_verdict = *string_;
                else if (kind != Kind::null) f_.malformed = true;
                break;
            case Slot::scan: f_.malformed = true; break;
            case Slot::scan_outcome: take(f_.outcome); break;
            case Slot::scan_verdict: take(f_.verdict); break;
            case Slot::scan_detail: take(f_.detail); break;
            case Slot::supported:
                if (const auto v = core::parse_version(stack_[1].key);
                    v && stack_[1].key == core::to_string(*v)) {
                    const auto i = static_cast<std::size_t>(*v);
                    if (kind == Kind::boolean) {
                        f_.version_seen[i] = true;
                        f_.supported[i] = bool_;
                    } else if (kind == Kind::null) {
                        f_.version_seen[i] = true;
                        f_.supported[i].reset();
                    } else {
                        f_.malformed = true;
                    }
                }
                break;
            case Slot::list_item: f_.malformed = true; break;
            case Slot::item_id: take(list().back().id); break;
            case Slot::item_severity:
                if (is_string) list().back().severity = *string_;
                break;
            case Slot::item_text:
                if (is_string) list().back().text = *string_;
                break;
        }
        return true;
    }

    ScanRecordFields& f_;
    std::vector<Frame> stack_;
    bool object_ = false;
    bool bool_ = false;
    std::size_t number_ = 0;
    const string_t* string_ = nullptr;
};

}  // namespace

bool read_scan_record_fields(std::string_view line, ScanRecordFields& fields) {
    fields = ScanRecordFields{};
    FieldsSax sax(fields);
    const bool ok = json::sax_parse(line.begin(), line.end(), &sax, json::input_format_t::json,
                                    /*strict=*/true);
    return ok && sax.object();
}

}  // namespace tlsprobe::report
