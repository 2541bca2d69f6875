package dev.pulse.dashboard;

import dev.pulse.kafka.Topics;
import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.RealServers;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The live dashboard in a real headless Chromium (Debian's chromium and chromedriver): it loads
 * without console errors, and once events flow its numbers move and an alert shows. The final
 * screen is saved as {@code target/dashboard.png}.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardPageBrowserTest implements RealServers {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    @Inject
    EmbeddedServer server;

    private WebDriver browser;
    private final KafkaTestClient kafka = KafkaTestClient.forTestBroker();

    @BeforeAll
    void startBrowser() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
            "browser test skipped: Debian's chromium and chromium-driver are not installed (.ci/run installs them)");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--window-size=1400,1800",
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
    void showsMovingNumbersAndAnAlertWithoutConsoleErrors() throws Exception {
        // A person opens the page of a service that is up.
        io.micronaut.http.client.HttpClient http = io.micronaut.http.client.HttpClient.create(server.getURL());
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
            .until(() -> http.toBlocking().retrieve("/api/status").contains("\"UP\""));
        http.close();
        browser.get(server.getURL() + "/");
        assertEquals("Pulse — live", browser.getTitle());

        String device = "browser-sensor-" + System.nanoTime();
        long stop = System.currentTimeMillis() + 60_000;
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
        wait.pollingEvery(Duration.ofMillis(500)).until(driver -> {
            produceSomeEvents(device);
            boolean moving = Long.parseLong(text(driver, "total-rate")) > 0;
            boolean alert = text(driver, "alerts-body").contains(device);
            return (moving && alert) || System.currentTimeMillis() > stop;
        });

        Path screenshot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
        Files.createDirectories(Path.of("target"));
        Files.copy(screenshot, Path.of("target", "dashboard.png"), StandardCopyOption.REPLACE_EXISTING);

        assertTrue(Long.parseLong(text(browser, "total-rate")) > 0, "events per second moved");
        assertTrue(text(browser, "alerts-body").contains(device), "the alert is on the page");
        assertTrue(text(browser, "alerts-body").contains("RAISED"));
        assertTrue(Integer.parseInt(text(browser, "open-alert-count")) >= 1, "and counted as open");
        List<LogEntry> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
            .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
            .toList();
        assertEquals(List.of(), errors.stream().map(LogEntry::getMessage).toList(), "no console errors");
    }

    private void produceSomeEvents(String device) {
        for (int i = 0; i < 5; i++) {
            kafka.send(Topics.WORD_COUNTS, null, "{\"word\": \"browser\"}");
        }
        kafka.send(Topics.REAL_TIME_DATA, device, String.format(Locale.ROOT,
            "{\"device_id\": \"%s\", \"temperature\": 71.5}", device));
    }

    private static String text(WebDriver driver, String id) {
        return driver.findElement(By.id(id)).getText();
    }
}
