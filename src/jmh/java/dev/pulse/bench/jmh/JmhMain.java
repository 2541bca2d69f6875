package dev.pulse.bench.jmh;

import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs JMH as its own {@code Main} would (same options), then prints every result as a ratio to the baseline of
 * its class measured in the same run: the benchmark method whose name starts with {@code baseline}, with the same
 * {@code @Param} values. Every benchmark here is in average time per event, so {@code 0.50×} is twice as fast as
 * the baseline and {@code 3.00×} three times as slow. The ratio is of the medians of the measurement iterations,
 * which a burst of load on a shared machine moves less than the means JMH reports. With {@code -prof gc} the bytes
 * allocated per event are shown too.
 */
public final class JmhMain {

    private static final String BASELINE_PREFIX = "baseline";
    private static final String ALLOCATION = "gc.alloc.rate.norm";

    private JmhMain() {
    }

    public static void main(String[] args) throws Exception {
        CommandLineOptions options = new CommandLineOptions(args);
        if (options.shouldHelp() || options.shouldList() || options.shouldListWithParams()
            || options.shouldListProfilers() || options.shouldListResultFormats()) {
            org.openjdk.jmh.Main.main(args);
            return;
        }
        Collection<RunResult> results = new Runner(options).run();
        System.out.println();
        System.out.print(ratios(results));
    }

    /** The table of ratios: one line per result, grouped by class and parameters, the baseline first. */
    static String ratios(Collection<RunResult> results) {
        Map<String, List<RunResult>> groups = new TreeMap<>();
        for (RunResult result : results) {
            groups.computeIfAbsent(group(result), g -> new ArrayList<>()).add(result);
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"Benchmark", "Params", "Mean", "Median", "Unit", "× baseline", "B/event"});
        for (List<RunResult> group : groups.values()) {
            RunResult baseline = group.stream().filter(r -> method(r).startsWith(BASELINE_PREFIX)).findFirst().orElse(null);
            group.sort((a, b) -> a == baseline ? -1 : b == baseline ? 1 : method(a).compareTo(method(b)));
            for (RunResult result : group) {
                Result<?> primary = result.getPrimaryResult();
                Result<?> allocation = result.getSecondaryResults().get(ALLOCATION);
                String ratio = baseline == null ? "" : String.format(Locale.ROOT, "%.2f×",
                    median(result) / median(baseline));
                rows.add(new String[] {
                    simpleClass(result) + "." + method(result),
                    params(result),
                    String.format(Locale.ROOT, "%.1f", primary.getScore()),
                    String.format(Locale.ROOT, "%.1f", median(result)),
                    primary.getScoreUnit(),
                    ratio,
                    allocation == null ? "" : String.format(Locale.ROOT, "%.0f", allocation.getScore())});
            }
        }
        return table("Ratios to each class's baseline (same run, same parameters; medians of the iterations)", rows);
    }

    private static double median(RunResult result) {
        return result.getPrimaryResult().getStatistics().getPercentile(50);
    }

    private static String group(RunResult result) {
        return simpleClass(result) + " " + params(result);
    }

    private static String params(RunResult result) {
        Map<String, String> params = new LinkedHashMap<>();
        for (Object key : result.getParams().getParamsKeys()) {
            params.put((String) key, result.getParams().getParam((String) key));
        }
        return params.isEmpty() ? "" : params.toString().replaceAll("[{}]", "");
    }

    private static String method(RunResult result) {
        String benchmark = result.getParams().getBenchmark();
        return benchmark.substring(benchmark.lastIndexOf('.') + 1);
    }

    private static String simpleClass(RunResult result) {
        String benchmark = result.getParams().getBenchmark();
        String type = benchmark.substring(0, benchmark.lastIndexOf('.'));
        return type.substring(type.lastIndexOf('.') + 1);
    }

    private static String table(String title, List<String[]> rows) {
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder out = new StringBuilder(title).append('\n');
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                boolean left = i < 2;
                String cell = row[i];
                String pad = " ".repeat(widths[i] - cell.length());
                out.append(left ? cell + pad : pad + cell).append(i < row.length - 1 ? "  " : "\n");
            }
        }
        return out.toString();
    }
}
