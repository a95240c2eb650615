'use strict'
/**
 * The core's JSON as the package's objects, following the schema (`shapes.js`, generated
 * from it by scripts/generate-types): record fields become camelCase and `null` fields
 * are left out; keys of maps (findings counted by code, metric names) and tag values stay
 * as the core wrote them. A field the table does not know (a newer core) is camelCased and
 * kept as it is.
 */

const SHAPES = require('./shapes.js')

/** `file_name` -> `fileName`. */
function camel(name) {
  return name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())
}

/** `fileName` -> `file_name`: the core's name of an argument. */
function snake(name) {
  return name.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())
}

function record(value, fields) {
  const out = {}
  for (const [key, item] of Object.entries(value)) {
    if (item === null) continue
    const field = fields[key]
    out[field ? field[0] : camel(key)] = field ? read(item, field[1]) : item
  }
  return out
}

/**
 * `value` (parsed JSON) read with `shape`: a definition's name (`'Dataset'`), or one of
 * the shapes `shapes.js` describes.
 */
function read(value, shape) {
  if (value === null || value === undefined || shape === 0) return value
  if (typeof shape === 'string') {
    const named = SHAPES[shape]
    if (!named) throw new Error(`no shape named ${shape}`)
    return read(value, named)
  }
  if (shape.f) return typeof value === 'object' ? record(value, shape.f) : value
  if (shape.a) return value.map((item) => read(item, shape.a))
  if (shape.m) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, read(item, shape.m)]))
  if (shape.p) return value.map((item, i) => read(item, shape.p[i] ?? 0))
  if (shape.t) {
    const variant = shape.v[value[shape.t]]
    return variant ? record(value, variant.f) : record(value, {})
  }
  if (shape.e) return record(value, shape.e)
  return value
}

/** A reader of JSON text as `shape`; `list` reads an array of it. `null` (nothing yet,
 * such as the report of a dataset not yet validated) is `undefined`. */
function reader(shape, { list = false } = {}) {
  return (text) => {
    const value = JSON.parse(text)
    if (value === null) return undefined
    return list ? value.map((item) => read(item, shape)) : read(value, shape)
  }
}

module.exports = { camel, snake, read, reader }
