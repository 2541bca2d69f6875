package dev.pulse.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The results as JSON, and the summary table printed at the end of a run. */
final class Report {

    private Report() {
    }

    // --- JSON ----------------------------------------------------------------------------------------------------------

    static String json(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value, 0);
        return out.append('\n').toString();
    }

    private static void write(StringBuilder out, Object value, int indent) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof String s) {
            quote(out, s);
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (!Double.isFinite(d)) {
                out.append("null");
            } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                out.append((long) d);
            } else {
                out.append(new java.math.BigDecimal(d).round(new java.math.MathContext(6)).stripTrailingZeros().toPlainString());
            }
        } else if (value instanceof Number || value instanceof Boolean) {
            out.append(value);
        } else if (value instanceof Map<?, ?> map) {
            if (map.isEmpty()) {
                out.append("{}");
                return;
            }
            out.append("{\n");
            int i = 0;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.append("  ".repeat(indent + 1));
                quote(out, String.valueOf(e.getKey()));
                out.append(": ");
                write(out, e.getValue(), indent + 1);
                out.append(++i < map.size() ? ",\n" : "\n");
            }
            out.append("  ".repeat(indent)).append('}');
        } else if (value instanceof Iterable<?> list) {
            List<Object> items = new ArrayList<>();
            list.forEach(items::add);
            boolean flat = items.stream().allMatch(x -> x == null || x instanceof Number || x instanceof Boolean);
            out.append('[');
            for (int i = 0; i < items.size(); i++) {
                if (!flat) {
                    out.append('\n').append("  ".repeat(indent + 1));
                }
                write(out, items.get(i), indent + 1);
                if (i + 1 < items.size()) {
                    out.append(flat ? ", " : ",");
                }
            }
            if (!flat && !items.isEmpty()) {
                out.append('\n').append("  ".repeat(indent));
            }
            out.append(']');
        } else {
            quote(out, value.toString());
        }
    }

    private static void quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    // --- summary -------------------------------------------------------------------------------------------------------

    /** Rows of (figure, value, comparison), printed as a table. */
    static final class Table {
        private final List<String[]> rows = new ArrayList<>();

        void row(String figure, String value, String comparison) {
            rows.add(new String[] {figure, value, comparison == null ? "" : comparison});
        }

        void section(String title) {
            rows.add(new String[] {title});
        }

        String render() {
            int w0 = 10;
            int w1 = 10;
            for (String[] r : rows) {
                if (r.length == 3) {
                    w0 = Math.max(w0, r[0].length());
                    w1 = Math.max(w1, r[1].length());
                }
            }
            StringBuilder out = new StringBuilder();
            for (String[] r : rows) {
                if (r.length == 1) {
                    out.append('\n').append(r[0]).append('\n');
                } else {
                    out.append(String.format(Locale.ROOT, "  %-" + w0 + "s  %" + w1 + "s  %s%n", r[0], r[1], r[2]));
                }
            }
            return out.toString();
        }
    }

    static String number(double value) {
        if (!Double.isFinite(value)) {
            return "n/a";
        }
        return String.format(Locale.ROOT, value >= 100 ? "%,.0f" : "%,.1f", value);
    }

    static String ratio(double value) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%.2f×", value) : "n/a";
    }
}
