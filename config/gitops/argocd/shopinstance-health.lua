-- Argo CD health check for shop.example.com/ShopInstance
-- (argocd-cm key resource.customizations.health.shop.example.com_ShopInstance).
-- Reads the operator's status conventions (docs/architecture.md): observedGeneration and the
-- Ready / Reconciling / Stalled / DatabaseReady conditions, so it agrees with `kubectl wait
-- --for=condition=Ready` and Flux: no status is not healthy, a database that is down is Degraded
-- (Ready=False reason DatabaseNotReady, or DatabaseReady=False from an operator that does not fold it
-- into Ready yet). Argo CD gives the object as the global `obj`.
local hs = {}

local function condition(status, conditionType)
  if status == nil or status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

local function describe(c, fallback)
  if c ~= nil and c.message ~= nil and c.message ~= "" then
    if c.reason ~= nil and c.reason ~= "" then
      return c.reason .. ": " .. c.message
    end
    return c.message
  end
  if c ~= nil and c.reason ~= nil and c.reason ~= "" then
    return c.reason
  end
  return fallback
end

if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "spec.suspend is true: the operator changes nothing until it is false"
  return hs
end

local status = obj.status
if status == nil or status.observedGeneration == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report status"
  return hs
end

local generation = obj.metadata ~= nil and obj.metadata.generation or nil
if generation ~= nil and status.observedGeneration < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
    .. " (status is for " .. tostring(status.observedGeneration) .. ")"
  return hs
end

local stalled = condition(status, "Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(stalled, "Stalled")
  return hs
end

-- The database: down means the shop cannot serve orders, whatever the Deployments say. "Busy" is a
-- provisioning step waiting for a lock and clears by itself.
local database = condition(status, "DatabaseReady")
local ready = condition(status, "Ready")
if database ~= nil and database.status == "False" then
  if database.reason == "Busy" then
    hs.status = "Progressing"
  else
    hs.status = "Degraded"
  end
  hs.message = describe(database, "DatabaseReady is False")
  return hs
end
if ready ~= nil and ready.status == "False" and ready.reason == "DatabaseNotReady" then
  hs.status = "Degraded"
  hs.message = describe(ready, "DatabaseNotReady")
  return hs
end

if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(ready, "Ready")
  return hs
end

local reconciling = condition(status, "Reconciling")
if reconciling ~= nil and reconciling.status == "True" then
  hs.status = "Progressing"
  hs.message = describe(reconciling, "Reconciling")
  return hs
end

-- Not ready, not stalled, not reconciling: the operator has not finished its first pass yet.
hs.status = "Progressing"
hs.message = describe(ready, "Waiting for the Ready condition")
return hs
