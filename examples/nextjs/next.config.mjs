/** @type {import('next').NextConfig} */
const nextConfig = {
  // The package loads a native addon: keep it out of the server bundle, require it at run time.
  serverExternalPackages: ['brightrun'],
}

export default nextConfig
