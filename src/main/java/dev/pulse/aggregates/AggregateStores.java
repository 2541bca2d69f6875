package dev.pulse.aggregates;

/**
 * Names of the state stores of the aggregates topology that the dashboard queries (interactive
 * queries; another instance's stores are found through {@code application.server} metadata).
 * Keys are UTF-8 strings; values as listed.
 */
public final class AggregateStores {

    /** Key-value: word → count ({@code Long}). */
    public static final String WORD_COUNTS = "word-counts-store";
    /** Key-value: category → {@link Stats}. */
    public static final String CATEGORY_AGGREGATES = "category-aggregates-store";
    /** Window (60 s tumbling): category → {@link Stats}; open and closed windows. */
    public static final String CATEGORY_WINDOWS = "category-windows-store";
    /**
     * Key-value: category → end (epoch ms, {@code Long}) of its last window written to {@code windowed-aggregates};
     * a window of the category is closed exactly when its end is at most that. Same partitions as
     * {@link #CATEGORY_WINDOWS}.
     */
    public static final String CATEGORY_WINDOWS_EMITTED = "category-windows-emitted-store";
    /** Window (5 min tumbling): event type → count ({@code Long}). */
    public static final String EVENT_COUNTS = "event-counts-store";
    /** Key-value: user → clicks on the home page ({@code Long}). */
    public static final String HOME_CLICKS = "home-clicks-store";
    /** Window (1 min tumbling): page → page views ({@code Long}). */
    public static final String PAGE_VIEWS = "page-views-store";
    /** Window (1 min tumbling): window start in epoch ms as text → {@link TopPages} (views of every page). */
    public static final String TOP_PAGES = "top-pages-store";
    /**
     * Window (1 min slices of the 5 min windows hopping by 1 min), by slice start: device id → {@link DeviceSlice} of
     * temperature; {@link DeviceSlice#windows} gives the windows.
     */
    public static final String DEVICE_SLICES = "device-slices-store";
    /** Key-value: device id → its latest {@code SensorReading} (by event time). */
    public static final String DEVICE_LATEST = "device-latest-store";
    /**
     * Session (5 min gap): user → clicks in the session ({@code Long}). Named anew when sessions moved from
     * {@code user-events} to {@code user-clicks}, so a deployment does not restore the sessions of events into it.
     */
    public static final String USER_SESSIONS = "click-sessions-store";
    /**
     * Key-value, {@link LatestRecords}' layout: each user's latest {@code enriched-clicks} records (the newest
     * {@code pulse.aggregates.recent-clicks}), grouped by user. Same partitions as {@code clicks-by-user}: the owner of
     * a user is found by the user as a UTF-8 key.
     */
    public static final String RECENT_ENRICHED_CLICKS = "recent-enriched-clicks-store";
    /**
     * Key-value, {@link LatestRecords}' layout: each partition's latest {@code click-purchases} records (the newest
     * {@code pulse.aggregates.recent-conversions}), grouped by the partition number as text; the latest of all are
     * the newest of every partition's.
     */
    public static final String RECENT_CONVERSIONS = "recent-conversions-store";

    // Stores the topology needs but the dashboard does not query.
    static final String USER_PROFILES = "user-profiles-store";
    static final String PRODUCT_CATALOG = "product-catalog-store";
    static final String CLICK_PURCHASE_JOIN = "click-purchase-join-store";
    /** Key-value: the stream time, its last advance on the wall clock and the close time of a category task. */
    static final String CATEGORY_WINDOWS_CLOCK = "category-windows-clock-store";
    /** Key-value: the same clock ({@code WindowClock}) for the windows of {@link #EVENT_COUNTS}. */
    static final String EVENT_COUNTS_CLOCK = "event-counts-clock-store";
    /** Key-value: the same clock for the windows of {@link #PAGE_VIEWS}. */
    static final String PAGE_VIEWS_CLOCK = "page-views-clock-store";

    private AggregateStores() {
    }
}
