package dev.pulse.dashboard;

/**
 * The groups of state a cached answer depends on; {@link DashboardFeedListener} bumps a group when
 * an output record shows that its state changed.
 */
final class CacheGroups {

    static final String WORDS = "words";
    static final String CATEGORIES = "categories";
    static final String EVENT_COUNTS = "event-counts";
    static final String PAGES = "pages";
    static final String ALERTS = "alerts";
    static final String CONVERSIONS = "conversions";
    static final String DEVICES = "devices";

    private CacheGroups() {
    }

    static String word(String word) {
        return "word:" + word;
    }

    static String categoryWindows(String category) {
        return "catwin:" + category;
    }

    static String homeClicks(String user) {
        return "home-clicks:" + user;
    }

    static String sessions(String user) {
        return "sessions:" + user;
    }

    static String enrichedClicks(String user) {
        return "enriched:" + user;
    }

    static String device(String deviceId) {
        return "device:" + deviceId;
    }
}
