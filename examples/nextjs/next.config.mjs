/** @type {import('next').NextConfig} */
const nextConfig = {
  // The package loads a native addon: keep it out of the server bundle, require it at run time.
  serverExternalPackages: ['brightrun'],
  webpack(config, { isServer }) {
    // Here `brightrun` is a `file:` dependency, a symlink that webpack resolves outside
    // node_modules, where serverExternalPackages does not look: name it external as well.
    if (isServer) config.externals.push({ brightrun: 'commonjs brightrun' })
    return config
  },
}

export default nextConfig
