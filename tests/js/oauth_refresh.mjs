// b24jssdk's B24OAuth, unmodified, against a b24crm server: one call with the token it is given; when the
// server answers 401 expired_token the SDK refreshes (a form POST to serverEndpoint minus /rest/ plus
// /oauth/token/) and retries. Prints what happened as one JSON line.
import { B24OAuth, EnumAppStatus } from '@bitrix24/b24jssdk'

const [base, clientId, clientSecret, accessToken, refreshToken, expires, memberId, method, params] = process.argv.slice(2)
const b24 = new B24OAuth({
  applicationToken: '', userId: 1, memberId,
  accessToken, refreshToken, expires: Number(expires), expiresIn: 3600,
  scope: 'crm', domain: base.replace(/^https?:\/\//, ''),
  clientEndpoint: `${base}/rest/`, serverEndpoint: `${base}/rest/`,
  status: EnumAppStatus.Local,
}, { clientId, clientSecret })
const refreshed = []
b24.setCallbackRefreshAuth(async ({ authData }) => { refreshed.push(authData.access_token) })
try {
  const response = await b24.actions.v2.call.make({ method, params: JSON.parse(params) })
  console.log(JSON.stringify({ ok: response.isSuccess, result: response.getData()?.result ?? null, refreshed }))
} catch (error) {
  console.log(JSON.stringify({ ok: false, error: String(error?.message ?? error), code: error?.code ?? null, refreshed }))
}
