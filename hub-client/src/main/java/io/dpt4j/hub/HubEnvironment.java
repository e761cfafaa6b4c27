package io.dpt4j.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The settings huggingface_hub reads from the environment, resolved the same way (see
 * {@link HubConstants} for the names). Built from a map so tests need not touch the real environment.
 */
public final class HubEnvironment {
    private static final Pattern VAR = Pattern.compile("\\$(\\w+)|\\$\\{(\\w+)}");

    private final Map<String, String> env;
    private final String userHome;

    public HubEnvironment(Map<String, String> env, String userHome) {
        this.env = Map.copyOf(env);
        this.userHome = userHome;
    }

    /** The process environment and {@code user.home}. */
    public static HubEnvironment system() {
        return new HubEnvironment(System.getenv(), System.getProperty("user.home"));
    }

    /** A variable, or null when unset or empty (an empty value counts as unset). */
    public String get(String name) {
        String v = env.get(name);
        return v == null || v.isEmpty() ? null : v;
    }

    /** huggingface_hub's {@code _is_true}: 1/ON/YES/TRUE, case-insensitive. */
    public static boolean isTrue(String value) {
        return value != null && HubConstants.ENV_VARS_TRUE_VALUES.contains(value.trim().toUpperCase(Locale.ROOT));
    }

    /** {@code HF_ENDPOINT} without trailing slash, else the public Hub. */
    public String endpoint() {
        String e = get(HubConstants.ENV_HF_ENDPOINT);
        return HubPaths.stripSlash(e == null ? HubConstants.DEFAULT_ENDPOINT : e);
    }

    /** {@code HF_HOME}, else {@code $XDG_CACHE_HOME/huggingface}, else {@code ~/.cache/huggingface}. */
    public Path hfHome() {
        String home = get(HubConstants.ENV_HF_HOME);
        if (home != null) {
            return Path.of(expand(home));
        }
        String xdg = get(HubConstants.ENV_XDG_CACHE_HOME);
        Path base = xdg != null ? Path.of(expand(xdg)) : Path.of(userHome, ".cache");
        return base.resolve("huggingface");
    }

    /** {@code HF_HUB_CACHE}, else {@code HUGGINGFACE_HUB_CACHE}, else {@code $HF_HOME/hub}. */
    public Path hubCache() {
        String c = get(HubConstants.ENV_HF_HUB_CACHE);
        if (c == null) {
            c = get(HubConstants.ENV_HUGGINGFACE_HUB_CACHE);
        }
        return c != null ? Path.of(expand(c)) : hfHome().resolve("hub");
    }

    /** {@code HF_TOKEN_PATH}, else {@code $HF_HOME/token}. */
    public Path tokenPath() {
        String p = get(HubConstants.ENV_HF_TOKEN_PATH);
        return p != null ? Path.of(expand(p)) : hfHome().resolve("token");
    }

    /**
     * {@code HF_HUB_OFFLINE}, or when it is unset {@code TRANSFORMERS_OFFLINE}, is 1/ON/YES/TRUE (like
     * huggingface_hub, a set {@code HF_HUB_OFFLINE=0} wins over {@code TRANSFORMERS_OFFLINE=1}).
     */
    public boolean offline() {
        String v = get(HubConstants.ENV_HF_HUB_OFFLINE);
        if (v == null) {
            v = get(HubConstants.ENV_TRANSFORMERS_OFFLINE);
        }
        return isTrue(v);
    }

    public boolean progressBarsDisabled() {
        return isTrue(get(HubConstants.ENV_HF_HUB_DISABLE_PROGRESS_BARS));
    }

    public boolean implicitTokenDisabled() {
        return isTrue(get(HubConstants.ENV_HF_HUB_DISABLE_IMPLICIT_TOKEN));
    }

    /**
     * The token to send: {@code explicit} when given; otherwise (unless {@code HF_HUB_DISABLE_IMPLICIT_TOKEN})
     * {@code HF_TOKEN}, then {@code HUGGING_FACE_HUB_TOKEN}, then the token file. Whitespace and newlines
     * are removed; null when there is none.
     */
    public String token(String explicit) {
        if (explicit != null) {
            return cleanToken(explicit);
        }
        if (implicitTokenDisabled()) {
            return null;
        }
        String t = cleanToken(get(HubConstants.ENV_HF_TOKEN));
        if (t == null) {
            t = cleanToken(get(HubConstants.ENV_HUGGING_FACE_HUB_TOKEN));
        }
        if (t != null) {
            return t;
        }
        try {
            return cleanToken(Files.readString(tokenPath(), StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            // An unreadable token file is treated like no token; the path (not the token) is safe to mention.
            System.getLogger(HubEnvironment.class.getName()).log(System.Logger.Level.DEBUG,
                    "cannot read token file " + tokenPath() + ": " + e.getClass().getSimpleName());
            return null;
        }
    }

    static String cleanToken(String token) {
        if (token == null) {
            return null;
        }
        String t = token.replace("\r", "").replace("\n", "").strip();
        return t.isEmpty() ? null : t;
    }

    /** Python's {@code expandvars(expanduser(p))}: a leading {@code ~} and {@code $VAR} / {@code ${VAR}}. */
    String expand(String p) {
        String s = p;
        if (s.equals("~") || s.startsWith("~/")) {
            s = userHome + s.substring(1);
        }
        Matcher m = VAR.matcher(s);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            String v = env.get(name);
            m.appendReplacement(sb, Matcher.quoteReplacement(v != null ? v : m.group()));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
