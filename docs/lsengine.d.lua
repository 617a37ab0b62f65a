---@meta lsengine
-- Type definitions for lsengine scenario files (LuaLS / lua-language-server).
-- Add this directory to "Lua.workspace.library" to get completion and checks in your editor.
-- Reference: docs/lua-api.md

---A duration: a string with units ("250ms", "30s", "2m", "1m30s", "1h") or a number of seconds.
---@alias lsengine.Duration string|number

---@class lsengine.Stage
---@field duration lsengine.Duration  How long the rate takes to move to `rps`.
---@field rps number                  Target arrivals per second at the end of the stage (>= 0).

---@class lsengine.ThinkTimeRange
---@field min lsengine.Duration
---@field max lsengine.Duration

---@class lsengine.ScenarioOptions
---@field name? string                 Scenario name (default: the file name without ".lua"); unique per file.
---@field rps? number                  Open model: task iterations started per second (> 0).
---@field vusers? integer              Virtual users: the pool (open model) or the concurrency (closed model).
---@field duration? lsengine.Duration  Whole run, ramp-up included.
---@field ramp_up? lsengine.Duration   Linear ramp from 0 (rate or users); <= duration.
---@field stages? lsengine.Stage[]     Open model load curve; excludes rps, duration and ramp_up.
---@field think_time? lsengine.Duration|lsengine.ThinkTimeRange  Closed model only: pause between tasks.
---@field max_wait? lsengine.Duration  Open model only: longest an arrival waits for a free virtual user before it is dropped (default: the request timeout; 0 = at once).
---@field redirects? integer          Redirects each request follows unless it sets its own (0..100, default 10; 0 = none). --max-redirects overrides it.
---@field thresholds? string[]         Pass/fail criteria, e.g. "p95 < 200ms", "error_rate < 1%", "browse.p99 < 1s", "generator_saturated == 0"; distributed runs with agent regions: "region:eu.p95 < 200ms", "p95 < 200ms per region".
---@field compression? boolean         false: the scenario's requests do not offer compressed responses (default true).
---@field cert? string                 This scenario's client certificate (PEM file, relative to the script) for mutual TLS, instead of --cert.
---@field key? string                  Its private key (PEM file; default: in the cert file), instead of --key.
---@field max_header_size? string|integer  This scenario's response-header limit ("128KiB", 1KiB..1GiB), instead of --max-header-size.
---@field tags? table<string, string|number|boolean>  Tags on every request of the scenario, hooks included (a request's tag of the same key overrides); keys [A-Za-z_][A-Za-z0-9_]* (<= 64 bytes, not reserved), values <= 128 bytes; at most 8 per request.

---@class lsengine.TaskOptions
---@field weight? number  Relative frequency (> 0, default 1).
---@field on_extract_error? "skip"|"empty"  Distributed runs: when an agent cannot extract a response value, skip the iteration's later steps (default) or send them with the value empty. Single-node runs ignore it.

---@alias lsengine.Expect integer|integer[]|string

---@class lsengine.RequestOptions
---@field headers? table<string, string>  Request headers.
---@field json? any                        Body encoded as JSON (sets Content-Type: application/json).
---@field body? string                     Raw body.
---@field form? table<string, string|number|boolean|(string|number|boolean)[]>  Form-encoded body.
---@field query? table<string, string|number|boolean|(string|number|boolean)[]> Query string parameters (sorted).
---@field name? string                     Name in the report (default "METHOD /path").
---@field timeout? lsengine.Duration       Per-request timeout.
---@field expect? lsengine.Expect          Accepted statuses: 201, {200, 404} or "2xx,404" (default 2xx and 3xx).
---@field redirects? integer               Redirects to follow (0..100; default: the scenario's, --max-redirects, else 10). 0 = none: a 3xx is the response.
---@field compression? boolean             Offer "Accept-Encoding: gzip, deflate, br" (default true; false: --no-compression or the scenario's compression = false).
---@field tags? table<string, string|number|boolean>  Tags: each tag set of a request is a stat row of its own (merged over the scenario's tags; at most 8); thresholds read them as tag:KEY=VALUE.p95.
---@field files? table<string, string|number|lsengine.FilePart|(string|number|lsengine.FilePart)[]>  multipart/form-data body: strings/numbers are fields, tables file parts, a list several parts of one name (parts in name order; exclusive with json/body/form).

---@class lsengine.FilePart
---@field path? string          File to upload, relative to the script's directory; read once per process (give path or content).
---@field content? string       The part's bytes inline (instead of path).
---@field filename? string      filename parameter (default: base name of path, or the field's name for content).
---@field content_type? string  The part's Content-Type (default "application/octet-stream").

---@class lsengine.Response
---@field status integer                 HTTP status; 0 on a transport error.
---@field ok boolean                     Expected status and no transport error.
---@field headers table<string, string>  Lower-case header names.
---@field body string                    Response body, decoded from gzip, deflate or br on first read (a Lua error naming the coding if it does not decode).
---@field compressed_size integer         The body's size as received, before decoding (= #body without a Content-Encoding).
---@field error? "dns"|"connect"|"tls"|"timeout"|"reset"|"parse"  Transport error kind, nil if none.
---@field name string                    The request's report name.
---@field url string                     The URL that gave this response, after redirects (not readable in a distributed task).
---@field redirects integer              Redirects followed to get it (0: none; not readable in a distributed task).
local Response = {}

---Decodes the body as JSON (raises an error naming the request on invalid JSON).
---@return any
function Response:json() end

---The virtual user's HTTP client (one cookie jar per virtual user). Every call yields until the response.
---@class lsengine.Http
local Http = {}

---@param path string  "/path" (resolved against --target) or an absolute URL
---@param opts? lsengine.RequestOptions
---@return lsengine.Response
function Http:get(path, opts) end

---@param path string
---@param opts? lsengine.RequestOptions
---@return lsengine.Response
function Http:post(path, opts) end

---@param path string
---@param opts? lsengine.RequestOptions
---@return lsengine.Response
function Http:put(path, opts) end

---@param path string
---@param opts? lsengine.RequestOptions
---@return lsengine.Response
function Http:patch(path, opts) end

---@param path string
---@param opts? lsengine.RequestOptions
---@return lsengine.Response
function Http:delete(path, opts) end

---@param path string
---@param opts? lsengine.RequestOptions
---@return lsengine.Response
function Http:head(path, opts) end

---@param method string  "GET", "POST", "OPTIONS", ... or any upper-case token ("PROPFIND", "PURGE"); case-sensitive
---@param path string
---@param opts? lsengine.RequestOptions
---@return lsengine.Response
function Http:request(method, path, opts) end

---The virtual user running a task or hook. Store per-user data in it (self.token = ...).
---Missing fields are read from the scenario object (helper methods: self:login(http)).
---@class lsengine.VUser
---@field id integer  1-based, unique in the run; 0 in setup/teardown.
---@field [string] any

---The object scenario{} returns. Hooks are defined with method syntax: function flow:on_start(http) ... end
---@class lsengine.Scenario
---@field [string] any
local Scenario = {}

---Adds a task; picked at random in proportion to its weight. Returns the scenario object (chainable).
---@param name string
---@param opts_or_fn lsengine.TaskOptions|fun(self: lsengine.VUser, http: lsengine.Http, data: any)
---@param fn? fun(self: lsengine.VUser, http: lsengine.Http, data: any)  data: what setup() returned (read-only)
---@return lsengine.Scenario
function Scenario:task(name, opts_or_fn, fn) end

---Once per virtual user, before its first task.
---@param http lsengine.Http
---@param data any  What setup() returned (a read-only copy); absent without setup data.
function Scenario:on_start(http, data) end

---Once per virtual user, after the load.
---@param http lsengine.Http
---@param data any  What setup() returned.
function Scenario:on_stop(http, data) end

---Once per run, before any on_start (self.id == 0). Its return value (JSON data: tables, strings, numbers,
---booleans) is passed to on_start, the tasks, on_stop and teardown after `http`.
---@param http lsengine.Http
---@return any
function Scenario:setup(http) end

---Once per run, after every on_stop (self.id == 0).
---@param http lsengine.Http
---@param data any  What setup() returned.
function Scenario:teardown(http, data) end

---Declares a scenario. Several per file run together (--scenario a,b selects).
---@param options lsengine.ScenarioOptions
---@return lsengine.Scenario
function scenario(options) end

---Records a pass/fail for the check `name`; a false/nil condition fails the current iteration. Inside group()
---the check is a row of that group (`group:checkout.checks > 99%`).
---@generic T
---@param name string
---@param condition T
---@return T
function check(name, condition) end

---Runs `fn` with the requests and checks made inside it counted under the group `name` (nested groups join with "::":
---"checkout::payment"); returns what `fn` returns. An error inside `fn` propagates unchanged after the group
---ends. Thresholds read a group as `group:checkout.p95 < 500ms`. Only in tasks and hooks; at most 100 groups
---per scenario; `name` without "::" or control characters.
---@generic R
---@param name string
---@param fn fun(): R
---@return R
function group(name, fn) end

---Pauses the virtual user without blocking others. Only in tasks and hooks.
---@param d lsengine.Duration
function sleep(d) end

---Run-wide store shared by every virtual user on every thread. Values are copied in and out
---(nil, booleans, numbers, strings, tables of those). Keys are strings.
---@class lsengine.Shared
---@field [string] any
shared = {}

---Atomically adds n (default 1) to a number (nil counts as 0); returns the new value.
---@param key string
---@param n? number
---@return number
function shared:incr(key, n) end

---Returns shared[key]; if unset, the first caller runs fn() and stores its (non-nil) result while
---other callers wait. If fn raises, nothing is stored and the next caller retries.
---@generic T
---@param key string
---@param fn fun(): T
---@return T
function shared:once(key, fn) end

---@class lsengine.Json
---@field null lightuserdata  JSON null (decoded arrays keep their holes).
json = {}

---Encodes a value as compact JSON (object keys sorted). Errors name the path of a bad value.
---@param value any
---@return string
function json.encode(value) end

---Decodes JSON text; raises "json.decode: invalid JSON at byte N: ..." on bad input.
---@param text string
---@return any
function json.decode(text) end

---Marks t (or a new table) as a JSON array, so that an empty one encodes as [].
---@param t? table
---@return table
function json.array(t) end

lsengine = {}

---1, 2, 3, ...: a counter shared by the whole run.
---@return integer
function lsengine.seq() end

---A random integer in [a, b] (or [1, a] with one argument), seeded from --seed.
---@param a integer
---@param b? integer
---@return integer
function lsengine.random(a, b) end

---A random version-4 UUID string.
---@return string
function lsengine.uuid() end

---The running virtual user's id (0 in setup/teardown and at file level).
---@return integer
function lsengine.vuser() end

---The script's environment: -e KEY=VALUE and --env-file FILE values (read-only; nil when not given). os.getenv sees
---them too. Values of secret-looking keys (TOKEN, SECRET, PASSWORD, KEY, AUTH, ...) and of --redact keys are masked
---as *** in every output.
---@type table<string, string>
lsengine.env = {}

---Options of lsengine.data.csv / lsengine.data.json.
---@class lsengine.DataOptions
---@field mode? "sequential"|"unique"|"random"|"per_vu"  Which row next() hands out (default "sequential").
---@field on_exhausted? "stop"|"wrap"  unique: when every row was used, fail the iteration and start no new one (default), or start over.
---@field seed? integer  random: the same seed draws the same rows.
---@field header? boolean  CSV: the first record names the columns (default true); false: columns 1..N.
---@field separator? string  CSV: one character (default ",").

---A read-only row: fields by column name (row.username) or position (row[1]).
---@class lsengine.DataRow
---@field [string] string|number|boolean|nil
---@field [integer] string|number|boolean|nil

---A data file loaded once per run and shared by every thread.
---@class lsengine.DataFile
local DataFile = {}
---The row for this call, per the file's mode.
---@return lsengine.DataRow
function DataFile:next() end
---The number of rows.
---@return integer
function DataFile:count() end

lsengine.data = {}

---Loads a CSV file (path relative to the script) at the file's top level.
---@param path string
---@param opts? lsengine.DataOptions
---@return lsengine.DataFile
function lsengine.data.csv(path, opts) end

---Loads a JSON array of objects (or of values) at the file's top level.
---@param path string
---@param opts? lsengine.DataOptions
---@return lsengine.DataFile
function lsengine.data.json(path, opts) end

---A custom metric (lsengine.metrics.*): k6's trend, counter, rate and gauge. Declaring the same name again returns
---the same object; another kind for the same name is an error. Names: [A-Za-z_][A-Za-z0-9_]*, at most 128 bytes;
---at most 100 metrics per run. add() allocates nothing.
---@class lsengine.Metric
local Metric = {}
---trend: a number >= 0; counter: a number (usually 1); rate: a boolean, or a number (not 0 = true); gauge: sets it.
---A bad value raises an error naming the script's line.
---@param value number|boolean
function Metric:add(value) end
---Gauges only: the current value (the report shows the value set last, min and max).
---@param value number
function Metric:set(value) end

lsengine.metrics = {}

---Values with percentiles (`trend:NAME.p95 < 300`): add(v) with v >= 0.
---@param name string
---@return lsengine.Metric
function lsengine.metrics.trend(name) end

---A sum (`counter:NAME.count`, `.rate` per second): add(v).
---@param name string
---@return lsengine.Metric
function lsengine.metrics.counter(name) end

---A share of true samples (`rate:NAME.rate > 95%`): add(true/false).
---@param name string
---@return lsengine.Metric
function lsengine.metrics.rate(name) end

---The latest value, with min and max (`gauge:NAME.value < 50`): set(v).
---@param name string
---@return lsengine.Metric
function lsengine.metrics.gauge(name) end
