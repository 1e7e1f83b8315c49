#include "probe/diagnosis.hpp"

namespace tlsprobe::probe {

std::string_view to_string(Confidence c) {
    switch (c) {
        case Confidence::high: return "high";
        case Confidence::medium: return "medium";
        case Confidence::low: return "low";
    }
    return "low";
}

std::optional<Confidence> parse_confidence(std::string_view text) {
    for (auto c : {Confidence::low, Confidence::medium, Confidence::high})
        if (to_string(c) == text) return c;
    return std::nullopt;
}

}  // namespace tlsprobe::probe
