package dev.pulse.dashboard;

import dev.pulse.kafka.Topics;
import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.RealServers;
import io.micronaut.http.client.HttpClient;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The live dashboard in a real headless Chromium (Debian's chromium and chromedriver), as a person
 * sees it once events flow to every panel: the events-per-second chart draws the rate the header
 * shows, a device with an alert is in the Devices panel, bad records are in the dead-letter panel,
 * nothing is logged as an error, and at 1280, 1440 and 1920 px wide the page has no horizontal
 * scrollbar and no panel or column is cut. The screens are saved as
 * {@code target/dashboard-<width>.png}.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardPageBrowserTest implements RealServers {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration DATA_TIMEOUT = Duration.ofSeconds(90);
    private static final int BAD_RECORDS = 3;

    @Inject
    EmbeddedServer server;

    private ChromeDriver browser;
    private final KafkaTestClient kafka = KafkaTestClient.forTestBroker();

    @BeforeAll
    void startBrowser() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
            "browser test skipped: Debian's chromium and chromium-driver are not installed (.ci/run installs them)");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--window-size=1440,900", "--lang=en-US",
            "--user-data-dir=" + Files.createTempDirectory("pulse-chromium"));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
        kafka.close();
    }

    @Test
    void drawsTheHeaderRateShowsDevicesWithAlertsAndListsDeadLettersWithoutConsoleErrors() {
        Traffic traffic = openPageWhileEventsFlow();

        long headerRate = Long.parseLong(text("total-rate"));
        assertTrue(headerRate > 0, "events per second moved");
        assertTrue(text("alerts-body").contains(traffic.device), "the temperature alert is on the page");
        assertTrue(text("alerts-body").contains("RAISED"));
        assertTrue(text("alerts-body").contains("LARGE_AMOUNT"), "the fraud alert is on the page");
        assertTrue(Integer.parseInt(text("open-alert-count")) >= 1, "and counted as open");

        // The chart is Chart.js's own data, read as the page holds it; header and line in one read.
        Map<String, Object> rates = script("""
            const chart = Chart.getChart('rates-chart');
            const total = chart.data.datasets.find(d => d.label === 'total');
            return {
              header: Number(document.getElementById('total-rate').textContent),
              points: total.data.length,
              last: total.data[total.data.length - 1],
              movingTopics: chart.data.datasets.filter(d => d.label !== 'total' && d.data.some(v => v > 0))
                .map(d => d.label)
            };""");
        assertTrue(((Number) rates.get("points")).intValue() >= 2, "the rate chart has a line: " + rates);
        assertEquals(((Number) rates.get("header")).longValue(), Math.round(((Number) rates.get("last")).doubleValue()),
            "the header shows the chart's newest total: " + rates);
        assertTrue(((List<?>) rates.get("movingTopics")).contains(Topics.WORD_COUNTS),
            "and the line of the topic the events went to: " + rates);

        assertTrue(text("devices-body").contains(traffic.device), "the device with an alert is in the Devices panel");
        assertTrue(chartLabels("devices-chart").contains(traffic.device), "and in its chart");

        // Needs GET /api/dead-letters (issue 14, item 2), built on another branch.
        String deadLetters = text("dead-letters-body");
        assertTrue(deadLetters.contains(traffic.badKey) && deadLetters.contains(Topics.INPUT_TOPIC),
            "the bad records are listed with their source topic: " + deadLetters);
        assertFalse(text("dead-letter-reasons-body").isBlank(), "with the reasons counted");
        assertTrue(datasetLabels("dead-letters-chart").contains(Topics.INPUT_TOPIC),
            "and charted per minute for their source topic");
        assertTrue(Long.parseLong(text("dead-letter-count")) >= BAD_RECORDS, "and counted in the header");

        assertNoConsoleErrors();
    }

    @Test
    void fitsAt1280And1440And1920PixelsWithoutAScrollbarOrACutColumn() throws Exception {
        Traffic traffic = openPageWhileEventsFlow();
        // Every panel has rows, so the widths below are those of a page in use.
        for (String body : List.of("alerts-body", "devices-body", "categories-body", "conversions-body", "pages-body",
            "words-body", "dead-letters-body", "dead-letter-reasons-body")) {
            assertFalse(text(body).isBlank(), body + " has rows before the widths are measured");
        }

        Files.createDirectories(Path.of("target"));
        for (int width : new int[] {1280, 1440, 1920}) {
            browser.manage().window().setSize(new Dimension(width, 900));
            awaitRedraws(traffic, 2);
            Map<String, Object> fit = script("""
                const doc = document.documentElement;
                const panels = [...document.querySelectorAll('main > section')];
                const wider = e => e.scrollWidth > e.clientWidth + 1;
                const name = e => (e.closest('section') || {}).id + ' ' + e.tagName.toLowerCase() + ' "'
                  + e.textContent.trim().slice(0, 40) + '" ' + e.scrollWidth + ' > ' + e.clientWidth;
                return {
                  viewport: innerWidth,
                  documentScroll: doc.scrollWidth, documentClient: doc.clientWidth,
                  panels: panels.length,
                  widerPanels: panels.filter(wider).map(name),
                  cutCells: [...document.querySelectorAll('main th, main td:not(.key)')].filter(wider).map(name),
                  keysWithoutTitle: [...document.querySelectorAll('main td.key')]
                    .filter(c => wider(c) && c.title !== c.textContent).map(name)
                };""");
            assertEquals(width, ((Number) fit.get("viewport")).intValue(), "the page is " + width + " px wide");
            assertTrue(((Number) fit.get("documentScroll")).intValue() <= ((Number) fit.get("documentClient")).intValue(),
                width + " px: no horizontal scrollbar: " + fit);
            assertEquals(8, ((Number) fit.get("panels")).intValue(), "every panel is measured");
            assertEquals(List.of(), fit.get("widerPanels"), width + " px: no panel wider than its box");
            assertEquals(List.of(), fit.get("cutCells"), width + " px: every value and heading shown whole");
            assertEquals(List.of(), fit.get("keysWithoutTitle"), width + " px: a shortened key has its full text as a title");
            for (String chart : List.of("rates-chart", "devices-chart", "categories-chart", "dead-letters-chart")) {
                assertTrue(datasetPoints(chart) > 0, width + " px: " + chart + " has data");
            }
            saveFullPage(Path.of("target", "dashboard-" + width + ".png"));
        }
        assertNoConsoleErrors();
    }

    /** What a test sent: the device with an alert and the key of the bad records. */
    private record Traffic(String device, String badKey, String user) {
    }

    /**
     * Opens the page of a service that is up and sends events to every panel (bad records once)
     * until each shows them, or the timeout passes; the caller asserts what is shown.
     */
    private Traffic openPageWhileEventsFlow() {
        try (HttpClient http = HttpClient.create(server.getURL())) {
            Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> http.toBlocking().retrieve("/api/status").contains("\"UP\""));
        }
        browser.manage().window().setSize(new Dimension(1440, 900));
        browser.get(server.getURL() + "/");
        assertEquals("Pulse — live", browser.getTitle());

        long id = System.nanoTime();
        Traffic traffic = new Traffic("browser-sensor-" + id, "browser-bad-" + id, "browser-user-" + id);
        for (int i = 0; i < BAD_RECORDS; i++) {
            kafka.send(Topics.INPUT_TOPIC, traffic.badKey, "{\"id\": " + i + ", \"value\": "); // cut off: not JSON
        }
        kafka.send(Topics.TRANSACTIONS, "browser-card-" + id, String.format(Locale.ROOT,
            "{\"transaction_id\": \"browser-t-%d\", \"card_id\": \"browser-card-%d\", \"amount\": 25000.0, "
            + "\"currency\": \"EUR\", \"merchant\": \"m-1\", \"country\": \"DE\"}", id, id));

        long stop = System.currentTimeMillis() + DATA_TIMEOUT.toMillis();
        new WebDriverWait(browser, DATA_TIMEOUT.plusSeconds(30)).pollingEvery(Duration.ofMillis(500)).until(driver -> {
            produceSomeEvents(traffic);
            boolean shown = Long.parseLong(text("total-rate")) > 0
                && datasetPoints("rates-chart") >= 2
                && text("alerts-body").contains(traffic.device)
                && text("alerts-body").contains("LARGE_AMOUNT")
                && text("devices-body").contains(traffic.device)
                && !text("categories-body").isBlank()
                && text("conversions-body").contains(traffic.user)
                && !text("pages-body").isBlank()
                && text("dead-letters-body").contains(traffic.badKey);
            return shown || System.currentTimeMillis() > stop;
        });
        return traffic;
    }

    private void produceSomeEvents(Traffic traffic) {
        long now = Instant.now().getEpochSecond();
        for (int i = 0; i < 5; i++) {
            kafka.send(Topics.WORD_COUNTS, null, "{\"word\": \"browser\"}");
        }
        kafka.send(Topics.REAL_TIME_DATA, traffic.device, String.format(Locale.ROOT,
            "{\"device_id\": \"%s\", \"temperature\": 71.5}", traffic.device));
        kafka.send(Topics.INPUT_TOPIC, null, String.format(Locale.ROOT,
            "{\"id\": 1, \"timestamp\": %d, \"value\": 12345.678, \"category\": \"browser-category\"}", now));
        kafka.send(Topics.USER_EVENTS, "4242", String.format(Locale.ROOT,
            "{\"user_id\": 4242, \"event_type\": \"page_view\", \"event_data\": {\"page\": \"/products/browser\"}, "
            + "\"timestamp\": %d}", now));
        kafka.send(Topics.USER_CLICKS, traffic.user, String.format(Locale.ROOT,
            "{\"user\": \"%s\", \"page\": \"/products\", \"product\": \"product-1\", \"timestamp\": %d}",
            traffic.user, now - 30));
        kafka.send(Topics.PURCHASES, traffic.user, String.format(Locale.ROOT,
            "{\"user\": \"%s\", \"product\": \"product-1\", \"amount\": 999.0, \"timestamp\": %d}", traffic.user, now));
    }

    /** Waits until the page has drawn {@code rounds} more times (it counts them on {@code <html>}). */
    private void awaitRedraws(Traffic traffic, int rounds) {
        long target = refreshes() + rounds;
        new WebDriverWait(browser, Duration.ofSeconds(30)).pollingEvery(Duration.ofMillis(200)).until(driver -> {
            produceSomeEvents(traffic);
            return refreshes() >= target;
        });
    }

    private long refreshes() {
        Object count = ((JavascriptExecutor) browser).executeScript(
            "return Number(document.documentElement.dataset.refreshes || 0)");
        return ((Number) count).longValue();
    }

    /** The whole page, not only the window: Chromium's own capture beyond the viewport. */
    private void saveFullPage(Path file) throws Exception {
        Number height = (Number) ((JavascriptExecutor) browser).executeScript(
            "return document.documentElement.scrollHeight");
        Number width = (Number) ((JavascriptExecutor) browser).executeScript(
            "return document.documentElement.clientWidth");
        Map<String, Object> shot = browser.executeCdpCommand("Page.captureScreenshot", Map.of(
            "format", "png", "captureBeyondViewport", true,
            "clip", Map.of("x", 0, "y", 0, "width", width, "height", height, "scale", 1)));
        Files.write(file, Base64.getDecoder().decode((String) shot.get("data")));
    }

    private void assertNoConsoleErrors() {
        // Chromium logs every non-2xx answer as an error, whatever the page does with it. A 503 is the API's "not
        // now" (Streams rebalancing, a list still being read, with Retry-After): the page asks Streams reads only
        // while /api/status says UP, but a rebalance can begin between that answer and the next read.
        List<LogEntry> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
            .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
            .filter(e -> !e.getMessage().contains("the server responded with a status of 503"))
            .toList();
        assertEquals(List.of(), errors.stream().map(LogEntry::getMessage).toList(), "no console errors");
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> script(String body) {
        return (Map<String, Object>) ((JavascriptExecutor) browser).executeScript(body);
    }

    private long datasetPoints(String canvasId) {
        Object points = ((JavascriptExecutor) browser).executeScript(
            "const chart = Chart.getChart(arguments[0]);"
            + "return chart ? Math.max(0, ...chart.data.datasets.map(d => d.data.filter(v => v !== null).length)) : 0;",
            canvasId);
        return ((Number) points).longValue();
    }

    @SuppressWarnings("unchecked")
    private List<String> chartLabels(String canvasId) {
        return (List<String>) ((JavascriptExecutor) browser).executeScript(
            "return Chart.getChart(arguments[0]).data.labels.map(String)", canvasId);
    }

    @SuppressWarnings("unchecked")
    private List<String> datasetLabels(String canvasId) {
        return (List<String>) ((JavascriptExecutor) browser).executeScript(
            "return Chart.getChart(arguments[0]).data.datasets.map(d => d.label)", canvasId);
    }

    private String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }
}
