/** @type {import('next').NextConfig} */
const nextConfig = {
  // The package loads a native addon: keep it out of the server bundle, require it at run time.
  serverExternalPackages: ['brightrun'],
  // NEXT_DIST_DIR builds (and serves) elsewhere than .next, e.g. for tests beside a dev server.
  distDir: process.env.NEXT_DIST_DIR || '.next',
}

export default nextConfig
