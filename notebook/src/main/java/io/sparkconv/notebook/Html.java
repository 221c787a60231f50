package io.sparkconv.notebook;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;

/** HTML and plain-text tables of a Dataset's first rows. */
final class Html {
    /** Longest cell text shown; a feature map's data array is cut, with its length kept visible. */
    static final int MAX_CELL = 80;

    private Html() {
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** The first {@code limit} rows as cell strings; one more row is taken to know whether there are more. */
    static Table table(Dataset<?> dataset, int limit) {
        Dataset<Row> rows = dataset.toDF();
        List<Row> taken = rows.limit(limit + 1).collectAsList();
        List<String> header = new ArrayList<>();
        for (StructField f : rows.schema().fields()) {
            header.add(f.name());
        }
        List<List<String>> cells = new ArrayList<>();
        for (Row r : taken.subList(0, Math.min(limit, taken.size()))) {
            List<String> line = new ArrayList<>();
            for (int i = 0; i < r.length(); i++) {
                line.add(cell(r.get(i)));
            }
            cells.add(line);
        }
        return new Table(header, cells, taken.size() > limit);
    }

    static String cell(Object value) {
        String s;
        if (value == null) {
            s = "null";
        } else if (value instanceof Row row && FeatureMaps.isTensor(row) && !row.isNullAt(row.fieldIndex("shape"))) {
            // A feature-map tensor: its shape says more than its first values.
            s = "tensor " + row.getList(row.fieldIndex("shape"));
        } else if (value instanceof Row row) {
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < row.length(); i++) {
                parts.add(cell(row.get(i)));
            }
            s = "{" + String.join(", ", parts) + "}";
        } else if (value instanceof scala.collection.Seq<?> seq) {
            int n = seq.length();
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < Math.min(n, 16); i++) {
                parts.add(String.valueOf(seq.apply(i)));
            }
            s = "[" + String.join(", ", parts) + (n > 16 ? ", ... (" + n + " values)" : "") + "]";
        } else if (value instanceof byte[] bytes) {
            s = "<" + bytes.length + " bytes>";
        } else {
            s = value.toString();
        }
        return s.length() > MAX_CELL ? s.substring(0, MAX_CELL - 3) + "..." : s;
    }

    record Table(List<String> header, List<List<String>> rows, boolean more) {
        String html() {
            StringBuilder b = new StringBuilder("<table><thead><tr>");
            for (String h : header) {
                b.append("<th>").append(escape(h)).append("</th>");
            }
            b.append("</tr></thead><tbody>");
            for (List<String> r : rows) {
                b.append("<tr>");
                for (String c : r) {
                    b.append("<td>").append(escape(c)).append("</td>");
                }
                b.append("</tr>");
            }
            b.append("</tbody></table>");
            b.append("<p>").append(footer()).append("</p>");
            return b.toString();
        }

        String text() {
            int[] widths = new int[header.size()];
            for (int i = 0; i < widths.length; i++) {
                widths[i] = header.get(i).length();
                for (List<String> r : rows) {
                    widths[i] = Math.max(widths[i], r.get(i).length());
                }
            }
            StringBuilder b = new StringBuilder();
            line(b, header, widths);
            StringBuilder rule = new StringBuilder("+");
            for (int w : widths) {
                rule.append("-".repeat(w + 2)).append('+');
            }
            b.insert(0, rule + "\n").append(rule).append('\n');
            for (List<String> r : rows) {
                line(b, r, widths);
            }
            b.append(rule).append('\n').append(footer()).append('\n');
            return b.toString();
        }

        private String footer() {
            return more ? "only the first " + rows.size() + " rows" : rows.size() + " rows";
        }

        private static void line(StringBuilder b, List<String> cells, int[] widths) {
            b.append('|');
            for (int i = 0; i < widths.length; i++) {
                b.append(' ').append(cells.get(i)).append(" ".repeat(widths[i] - cells.get(i).length())).append(" |");
            }
            b.append('\n');
        }
    }
}
