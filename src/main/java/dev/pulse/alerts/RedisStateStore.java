package dev.pulse.alerts;

import dev.pulse.redis.RedisConnector;
import dev.pulse.redis.RedisKeys;
import io.lettuce.core.KeyValue;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.async.RedisAsyncCommands;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@link StateStore} on Redis: {@code MGET} to read, and one Lua script for compare-and-set, which Redis runs
 * atomically, so two instances that process the same entity never both win (the loser re-reads and recomputes).
 * Written keys expire after {@code pulse.alerts.state-ttl} without updates, except those a call keeps permanently
 * ({@link Keeping}); the same script keeps a list (a Redis set) of the permanent keys under a prefix, so it can never
 * disagree with them. Every call gives up after
 * {@code pulse.alerts.redis-timeout} with a {@code RedisCommandTimeoutException} (the listener retries the batch),
 * rather than waiting out a lost connection. Keys of one call may be anywhere in a single Redis (not Redis Cluster,
 * where they would have to share a hash slot). Every key is stored under the deployment's prefix
 * ({@link RedisKeys}: {@code pulse:temperature:state:<device>} for the key {@code temperature:state:<device>}).
 */
@Singleton
public class RedisStateStore implements StateStore {

    // KEYS[1..n]: every key compared or written; KEYS[n + 1]: the list, when there is one. ARGV[1]: n; ARGV[2]: TTL
    // ms of expiring writes (0 = none); ARGV[3]: the prefix of listed keys ('' = no list); then per key its expected
    // value ('-' not compared, '0' absent, '1'..value), per key its update ('-' unchanged, '0' delete, '1'..value),
    // and per key how it is kept ('p' permanent, 'e' expiring).
    static final String CAS_SCRIPT = """
        local n = tonumber(ARGV[1])
        for i = 1, n do
          local expected = ARGV[3 + i]
          local op = string.sub(expected, 1, 1)
          if op ~= '-' then
            local current = redis.call('GET', KEYS[i])
            if op == '0' then
              if current then return 0 end
            elseif current ~= string.sub(expected, 2) then
              return 0
            end
          end
        end
        local ttl = tonumber(ARGV[2])
        local prefix = ARGV[3]
        for i = 1, n do
          local update = ARGV[3 + n + i]
          local op = string.sub(update, 1, 1)
          local permanent = ARGV[3 + 2 * n + i] == 'p'
          if op == '1' then
            if ttl > 0 and not permanent then
              redis.call('SET', KEYS[i], string.sub(update, 2), 'PX', ttl)
            else
              redis.call('SET', KEYS[i], string.sub(update, 2))
            end
          elseif op == '0' then
            redis.call('DEL', KEYS[i])
          elseif permanent then
            redis.call('PERSIST', KEYS[i])
          end
          if prefix ~= '' and string.sub(KEYS[i], 1, #prefix) == prefix then
            local member = string.sub(KEYS[i], #prefix + 1)
            if permanent and op ~= '0' and (op == '1' or redis.call('EXISTS', KEYS[i]) == 1) then
              redis.call('SADD', KEYS[n + 1], member)
            else
              redis.call('SREM', KEYS[n + 1], member)
            end
          end
        end
        return 1
        """;

    private final RedisConnector connection;
    private final RedisKeys redisKeys;
    private final long ttlMillis;
    private final Duration timeout;
    private volatile String sha;

    public RedisStateStore(RedisConnector connection, AlertStateProperties properties, RedisKeys redisKeys) {
        this.connection = connection;
        this.redisKeys = redisKeys;
        this.ttlMillis = properties.stateTtl().toMillis();
        this.timeout = properties.redisTimeout();
    }

    private <T> T await(RedisFuture<T> future) {
        try {
            T answer = LettuceFutures.awaitOrCancel(future, timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            connection.answered();
            return answer;
        } catch (RedisNoScriptException flushed) {
            connection.answered();
            throw flushed;
        } catch (RuntimeException e) {
            connection.failed();
            throw e;
        }
    }

    @Override
    public boolean away() {
        return connection.skip();
    }

    @Override
    public Map<String, String> getAll(Collection<String> keys) {
        Map<String, String> values = new HashMap<>();
        if (keys.isEmpty()) {
            return values;
        }
        String[] redisKeyArray = keys.stream().map(redisKeys::key).toArray(String[]::new);
        for (KeyValue<String, String> kv : await(connection.get().async().mget(redisKeyArray))) {
            if (kv.hasValue()) {
                values.put(redisKeys.name(kv.getKey()), kv.getValue());
            }
        }
        return values;
    }

    @Override
    public boolean compareAndSet(Map<String, String> expected, Map<String, String> updates) {
        return compareAndSet(expected, updates, Keeping.EXPIRING);
    }

    @Override
    public boolean compareAndSet(Map<String, String> expected, Map<String, String> updates, Keeping keeping) {
        Set<String> keys = new LinkedHashSet<>(expected.keySet());
        keys.addAll(updates.keySet());
        List<String> args = new ArrayList<>(3 + 3 * keys.size());
        args.add(Integer.toString(keys.size()));
        args.add(Long.toString(ttlMillis));
        args.add(keeping.list() == null ? "" : redisKeys.key(keeping.listPrefix()));
        for (String key : keys) {
            args.add(!expected.containsKey(key) ? "-" : encode(expected.get(key)));
        }
        for (String key : keys) {
            args.add(!updates.containsKey(key) ? "-" : encode(updates.get(key)));
        }
        for (String key : keys) {
            args.add(keeping.permanent().contains(key) ? "p" : "e");
        }
        List<String> redisKeyList = new ArrayList<>(keys.size() + 1);
        keys.forEach(key -> redisKeyList.add(redisKeys.key(key)));
        if (keeping.list() != null) {
            redisKeyList.add(redisKeys.key(keeping.list()));
        }
        Long result = eval(redisKeyList.toArray(String[]::new), args.toArray(String[]::new));
        return result != null && result == 1L;
    }

    @Override
    public Set<String> listed(String list) {
        return await(connection.get().async().smembers(redisKeys.key(list)));
    }

    @Override
    public void put(String name, String value) {
        RedisAsyncCommands<String, String> redis = connection.get().async();
        String key = redisKeys.key(name);
        if (value == null) {
            await(redis.del(key));
        } else if (ttlMillis > 0) {
            await(redis.psetex(key, ttlMillis, value));
        } else {
            await(redis.set(key, value));
        }
    }

    private Long eval(String[] keys, String[] args) {
        RedisAsyncCommands<String, String> redis = connection.get().async();
        String loaded = sha;
        if (loaded == null) {
            loaded = sha = await(redis.scriptLoad(CAS_SCRIPT));
        }
        try {
            return await(redis.<Long>evalsha(loaded, ScriptOutputType.INTEGER, keys, args));
        } catch (RedisNoScriptException flushed) { // a restarted or flushed Redis forgot the script
            sha = await(redis.scriptLoad(CAS_SCRIPT));
            return await(redis.<Long>evalsha(sha, ScriptOutputType.INTEGER, keys, args));
        }
    }

    private static String encode(String value) {
        return value == null ? "0" : "1" + value;
    }
}
