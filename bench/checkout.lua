-- wrk script: every order is a fresh anonymous shopper.
--   1. POST /api/cart/items (no cookie)  -> the api creates a cart and sets its cookie
--   2. POST /api/orders with that cookie and a unique Idempotency-Key
-- Requests of a thread's connections interleave and response() does not say which request it answers,
-- so a response is classified by what it carries: a new cart cookie (step 1) or an order number (step 2).
-- Env: BENCH_PRODUCT_IDS (products to buy, one picked at random per shopper), BENCH_CART_COOKIE (default shop_cart).

local cookie_name = os.getenv("BENCH_CART_COOKIE") or "shop_cart"
-- BENCH_PRODUCT_IDS (comma-separated) spreads shoppers over products, as real traffic does; one id is a hot product.
local products = {}
for p in string.gmatch(os.getenv("BENCH_PRODUCT_IDS") or os.getenv("BENCH_PRODUCT_ID") or "1", "[^,]+") do
  table.insert(products, p)
end
local order_body = '{"email":"bench@example.com","name":"Bench Shopper","street":"1 Load Street",' ..
  '"city":"Testville","postalCode":"12345","country":"US","cardNumber":"4242424242424242"}'

local threads = {}
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
  table.insert(threads, thread)
end

function init(args)
  carts = {}
  seq = 0
  placed, rejected, sold_out, other = 0, 0, 0, 0
  math.randomseed(os.time() * 1000 + id)
  run_tag = string.format("%x%x", os.time(), math.random(0, 0x7fffffff))
end

function request()
  local cookie = table.remove(carts)
  if cookie then
    seq = seq + 1
    return wrk.format("POST", "/api/orders", {
      ["Content-Type"] = "application/json",
      ["Cookie"] = cookie,
      ["Idempotency-Key"] = string.format("bench-%s-%d-%d", run_tag, id, seq),
    }, order_body)
  end
  local product = products[math.random(#products)]
  return wrk.format("POST", "/api/cart/items", { ["Content-Type"] = "application/json" },
    '{"productId":' .. product .. ',"quantity":1}')
end

function response(status, headers, body)
  local set_cookie = headers["Set-Cookie"] or headers["set-cookie"]
  if set_cookie and set_cookie:find(cookie_name .. "=", 1, true) then
    table.insert(carts, (set_cookie:match("^([^;]+)")))
  elseif (status == 201 or status == 200) and body and body:find('"number"', 1, true) then
    placed = placed + 1
  elseif status == 409 then
    sold_out = sold_out + 1
  elseif status >= 300 then
    rejected = rejected + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local p, s, r, o = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    p = p + t:get("placed"); s = s + t:get("sold_out"); r = r + t:get("rejected"); o = o + t:get("other")
  end
  local secs = summary.duration / 1e6
  io.write(string.format("ORDERS placed=%d sold_out=%d rejected=%d unclassified=%d orders_per_s=%.1f\n",
    p, s, r, o, p / secs))
end
