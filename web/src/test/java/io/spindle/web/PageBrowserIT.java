package io.spindle.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.testkit.GnuWc;
import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The page in a real browser (Debian's chromium, headless, driven by its chromedriver; nothing is
 * downloaded): a generated text file is uploaded through the file picker, its row appears once the
 * progress bar is full, "count" shows the lines, words and bytes that GNU wc counts in the same
 * file (UTF-8, then C), an upload over the limit shows one sentence, and delete removes the row;
 * the Groups panel shows a group that a member joined and follows its members as they join and
 * leave, without a reload. A screenshot lands in {@code target/screenshots}.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class PageBrowserIT {
  private static final Logger LOG = Logger.getLogger(PageBrowserIT.class.getName());
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int RANGE_BYTES = 65536; // spindle.count.range-bytes in arquillian.xml

  @ArquillianResource URL base;
  @TempDir Path dir;

  private ChromeDriverService service;
  private WebDriver browser;
  private WebDriverWait wait;
  private Path profile;

  @Deployment(testable = false)
  static WebArchive war() {
    return ItDeployment.war();
  }

  @BeforeEach
  void openBrowser() throws IOException {
    assertTrue(
        Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "chromium and chromedriver are missing: run tools/install-browser.sh (the web build does)");
    // The driver is given, so Selenium Manager never runs (SE_OFFLINE=true in the pom as well).
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
    profile = Files.createTempDirectory("spindle-chromium-");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1400",
        "--user-data-dir=" + profile);
    service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .build();
    browser = new ChromeDriver(service, options);
    wait = new WebDriverWait(browser, WAIT);
  }

  @AfterEach
  void closeBrowser() throws IOException {
    try {
      if (browser != null) {
        browser.quit();
      }
    } finally {
      if (service != null) {
        service.stop();
      }
      deleteTree(profile);
    }
  }

  @Test
  void uploadCountAndDeleteThroughThePage() throws Exception {
    try {
      uploadCountAndDelete();
    } catch (Exception | AssertionError e) {
      screenshot("page-failure");
      LOG.info(() -> "the page when the test failed:\n" + browser.getPageSource());
      throw e;
    }
  }

  private void uploadCountAndDelete() throws Exception {
    Path file = dir.resolve("browser-words.txt");
    Files.writeString(file, generatedText(150_000), StandardCharsets.UTF_8);
    long size = Files.size(file);

    browser.get(ItDeployment.appBase(base).toString());
    // Issue 13: the page asks for a client token once; a wrong one is refused with a sentence.
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("sign-in")));
    browser.findElement(By.id("token")).sendKeys("spt_wrong");
    browser.findElement(By.id("sign-in-button")).click();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.id("sign-in-status"), "not a client token this cluster knows"));
    browser.findElement(By.id("token")).clear();
    browser.findElement(By.id("token")).sendKeys(ItTokens.TOKEN);
    browser.findElement(By.id("sign-in-button")).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("who"), "tester"));
    assertTrue(
        !browser.findElement(By.id("sign-in")).isDisplayed(), "the form goes once signed in");
    // The cluster panel refreshes itself: it shows this node leading once the node is ready.
    wait.until(
        ExpectedConditions.textToBe(
            By.cssSelector("#cluster-rows tr[data-member] .role"), "leader"));
    assertTrue(browser.getTitle().startsWith("Spindle"), browser.getTitle());
    wait.until(
        ExpectedConditions.textToBe(
            By.cssSelector("#cluster-rows tr[data-member] [data-field=health]"), "ready"));
    // This deployment has no queue server: the queue panel says so in a sentence.
    assertTrue(text("queue-rows").startsWith("This node has no queue server"), text("queue-rows"));
    // Issue 14: the clusters panel shows the federation's routes from Redis (here this cluster's
    // own, which its leader published) and pings a cluster from its row.
    wait.until(
        ExpectedConditions.presenceOfElementLocated(
            By.cssSelector("#federation-rows tr[data-cluster='spindle']")));
    assertTrue(
        text("federation-status").startsWith("Routes in Redis at 127.0.0.1:6379"),
        text("federation-status"));
    wait.until(
        d -> {
          try {
            d.findElement(By.cssSelector("#federation-rows tr[data-cluster='spindle'] button.ping"))
                .click();
            return true;
          } catch (org.openqa.selenium.StaleElementReferenceException refreshed) {
            return false; // the panel redrew its rows; find the button again
          }
        });
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.id("ping-title"), "Cluster spindle answered in"));
    assertTrue(text("ping-hops").contains("leader it1"), text("ping-hops"));

    groupsPanelFollowsTheChosenGroup();

    browser.findElement(By.id("file-input")).sendKeys(file.toString());
    wait.until(
        ExpectedConditions.attributeToBe(
            By.id("upload-progress"), "data-done", file.getFileName().toString()));
    assertEquals("100", browser.findElement(By.id("upload-progress")).getDomProperty("value"));
    WebElement row = awaitRow(file.getFileName().toString());
    assertTrue(row.getText().contains("KiB"), row.getText());

    for (String locale : List.of("utf8", "c")) {
      new Select(browser.findElement(By.id("locale"))).selectByValue(locale);
      String before = text("count-meta");
      awaitRow(file.getFileName().toString()).findElement(By.cssSelector("button.count")).click();
      wait.until(
          d ->
              !text("count-meta").equals(before)
                  && text("count-name").equals(file.getFileName().toString()));
      long[] wc =
          GnuWc.count(file, locale.equals("c") ? "C" : "C.UTF-8"); // lines, words, chars, bytes
      assertEquals(wc[0], number("count-lines"), "lines in " + locale);
      assertEquals(wc[1], number("count-words"), "words in " + locale);
      assertEquals(wc[3], number("count-bytes"), "bytes in " + locale);
      assertEquals(wc[2], number("count-chars"), "characters in " + locale);
      assertEquals(
          (size + RANGE_BYTES - 1) / RANGE_BYTES,
          browser.findElements(By.cssSelector("#range-rows tr")).size(),
          "one row per range");
      List<WebElement> bars = browser.findElements(By.cssSelector("#top-words .bar-word"));
      assertEquals(10, bars.size());
      assertEquals("spindle", bars.get(0).getText(), "the most frequent word, folded");
      screenshot("page-count-" + locale);
    }

    // Over the deployment's 1 MiB limit: one sentence, no stack trace.
    Path tooBig = dir.resolve("too-big.bin");
    Files.write(tooBig, new byte[(1 << 20) + 1]);
    browser.findElement(By.id("file-input")).sendKeys(tooBig.toString());
    WebElement message =
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("message")));
    String sentence = message.getText();
    assertTrue(sentence.startsWith("The upload of too-big.bin failed: "), sentence);
    assertTrue(sentence.contains("1048576"), sentence);
    assertFalse(sentence.contains("Exception") || sentence.contains("\n"), sentence);
    screenshot("page-error");

    awaitRow(file.getFileName().toString()).findElement(By.cssSelector("button.delete")).click();
    wait.until(
        ExpectedConditions.numberOfElementsToBe(
            By.cssSelector("#file-rows tr[data-name='browser-words.txt']"), 0));
  }

  // Issue 17: a group appears in the Groups panel once a member joins (the list is asked for every
  // 5 s), and the chosen group's members follow its changes by the watch, without a reload: the
  // member rows change only when a watch answers.
  private void groupsPanelFollowsTheChosenGroup() throws Exception {
    assertEquals(
        201,
        groupChange(
                "PUT",
                "browser-group/members/b1",
                "{\"address\": \"10.1.0.1:80\", \"meta\": {\"role\": \"cache\"}}")
            .statusCode());
    wait.until(
        ExpectedConditions.presenceOfElementLocated(
            By.cssSelector("#group-rows tr[data-group='browser-group']")));
    wait.until(
        d -> {
          try {
            d.findElement(By.cssSelector("#group-rows tr[data-group='browser-group'] button.show"))
                .click();
            return true;
          } catch (org.openqa.selenium.StaleElementReferenceException refreshed) {
            return false; // the list redrew its rows; find the button again
          }
        });
    wait.until(ExpectedConditions.textToBe(By.id("group-name"), "browser-group"));
    WebElement b1 =
        wait.until(
            ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#member-rows tr[data-group-member='b1']")));
    assertEquals("10.1.0.1:80", b1.findElement(By.cssSelector("[data-field=address]")).getText());
    assertEquals("role=cache", b1.findElement(By.cssSelector("[data-field=meta]")).getText());
    assertEquals("alive", b1.findElement(By.cssSelector("[data-field=state]")).getText());
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("group-watch"), "watching"));

    assertEquals(
        201,
        groupChange("PUT", "browser-group/members/b2", "{\"address\": \"10.1.0.2:80\"}")
            .statusCode());
    wait.until(
        ExpectedConditions.presenceOfElementLocated(
            By.cssSelector("#member-rows tr[data-group-member='b2']")));
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("group-changes"), "joined b2"));
    wait.until(
        ExpectedConditions.textToBe(
            By.cssSelector("#group-rows tr[data-group='browser-group'] [data-field=members]"),
            "2"));
    screenshot("page-groups");

    assertEquals(204, groupChange("DELETE", "browser-group/members/b1", null).statusCode());
    wait.until(
        ExpectedConditions.numberOfElementsToBe(
            By.cssSelector("#member-rows tr[data-group-member='b1']"), 0));
    assertEquals(
        1, browser.findElements(By.cssSelector("#member-rows tr[data-group-member='b2']")).size());
    groupChange("DELETE", "browser-group/members/b2", null);
  }

  /** A change of group membership through the REST API, as a service makes it. */
  private HttpResponse<String> groupChange(String method, String path, String json)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(ItDeployment.appBase(base).resolve("api/groups/" + path))
            .header("Authorization", ItTokens.BEARER);
    if (json == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request
          .header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(json));
    }
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .build()
        .send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private WebElement awaitRow(String name) {
    return wait.until(
        ExpectedConditions.presenceOfElementLocated(
            By.cssSelector("#file-rows tr[data-name='" + name + "']")));
  }

  private String text(String id) {
    return browser.findElement(By.id(id)).getText();
  }

  private long number(String id) {
    return Long.parseLong(text(id).trim());
  }

  private void screenshot(String name) throws IOException {
    Path target = Path.of(System.getProperty("spindle.it.screenshots", "target/screenshots"));
    Files.createDirectories(target);
    File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
    Path png = target.resolve(name + ".png");
    Files.copy(shot.toPath(), png, StandardCopyOption.REPLACE_EXISTING);
    LOG.info(() -> "screenshot: " + png.toAbsolutePath());
  }

  /**
   * Words in every case (one in five a "Spindle", so that it leads the top words), accents, CJK and
   * emoji, separated by spaces, newlines, CRLFs, tabs and no-break spaces; the same every run.
   */
  private static String generatedText(int chars) {
    String[] spindles = {"Spindle", "spindle", "SPINDLE"};
    String[] words = {
      "counts",
      "words",
      "exactly",
      "as",
      "wc",
      "does",
      "caf\u00e9",
      "CAF\u00c9",
      "\u4e2d\u6587",
      "\ud83d\ude00",
      "raft",
      "log",
      "nodes",
      "the",
      "The",
      "leader",
      "term",
      "commit",
      "apply"
    };
    String[] gaps = {" ", " ", " ", "\n", "\r\n", "\t", "\u00a0", "  "};
    java.util.Random random = new java.util.Random(2026);
    StringBuilder text = new StringBuilder();
    while (text.length() < chars) {
      text.append(
              random.nextInt(5) == 0
                  ? spindles[random.nextInt(spindles.length)]
                  : words[random.nextInt(words.length)])
          .append(gaps[random.nextInt(gaps.length)]);
    }
    return text.toString();
  }

  private static void deleteTree(Path root) throws IOException {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
