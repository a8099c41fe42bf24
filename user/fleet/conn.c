// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Connecting as a fleet role. */
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "fleet_conn.h"
#include "fleet_creds.h"
#include "log.h"

/*
 * Longer than a server's password check under load: a timeout shorter than it makes every
 * client of a restarted node try again while its first check is still running.
 */
#define CONNECT_TIMEOUT_MS  5000
#define RECONNECT_WAIT_MS   2000
#define RECONNECT_JITTER_MS 1000
#define COMMAND_RECONNECTS  3

static void on_disconnected(natsConnection *nc, void *closure)
{
	/* Closing disconnects too: that is no news. */
	if (natsConnection_IsClosed(nc))
		return;
	log_warn("NATS: disconnected; reconnecting");
}

/* closure is "connected" or "reconnected". */
static void on_connected(natsConnection *nc, void *closure)
{
	char url[256];

	if (natsConnection_GetConnectedUrl(nc, url, sizeof(url)) != NATS_OK)
		url[0] = '\0';
	log_info("NATS: %s to %s", (const char *)closure, url);
}

/* Permission violations arrive here, with the subject in the connection's last error. */
static void on_error(natsConnection *nc, natsSubscription *sub, natsStatus s, void *closure)
{
	const char *text = NULL;

	natsConnection_GetLastError(nc, &text);
	log_warn("NATS: %s", text && *text ? text : natsStatus_GetText(s));
}

int64_t fleet_reconnect_delay_ms(int attempts, uint32_t random)
{
	int64_t ceiling = FLEET_RECONNECT_BASE_MS;

	for (int i = 1; i < attempts && ceiling < FLEET_RECONNECT_MAX_MS; i++)
		ceiling *= 2;
	if (ceiling > FLEET_RECONNECT_MAX_MS)
		ceiling = FLEET_RECONNECT_MAX_MS;
	return ceiling / 2 + (int64_t)(random % (uint32_t)(ceiling / 2 + 1));
}

static int64_t reconnect_delay(natsConnection *nc, int attempts, void *closure)
{
	return fleet_reconnect_delay_ms(attempts, randombytes_random());
}

static natsStatus set_options(natsOptions *o, const struct fleet_conf *c,
			      const struct fleet_creds *cr, const char *name, unsigned int flags)
{
	natsStatus s;
	int retry = flags & FLEET_CONNECT_RETRY;

	s = natsOptions_SetServers(o, (const char **)c->servers, c->nservers);
	if (s == NATS_OK)
		s = natsOptions_SetUserInfo(o, cr->user, cr->password);
	if (s == NATS_OK)
		s = natsOptions_SetCustomInboxPrefix(o, cr->inbox);
	if (s == NATS_OK)
		s = natsOptions_SetName(o, name);
	if (s == NATS_OK)
		s = natsOptions_SetTimeout(o, CONNECT_TIMEOUT_MS);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectWait(o, RECONNECT_WAIT_MS);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectJitter(o, RECONNECT_JITTER_MS, RECONNECT_JITTER_MS);
	/* A daemon backs off: a fleet failing together must not come back in one wave. */
	if (s == NATS_OK && retry)
		s = natsOptions_SetCustomReconnectDelay(o, reconnect_delay, NULL);
	if (s == NATS_OK)
		s = natsOptions_SetMaxReconnect(o, retry ? -1 : COMMAND_RECONNECTS);
	/* With a callback, a first connect that fails goes on in the background. */
	if (s == NATS_OK && retry)
		s = natsOptions_SetRetryOnFailedConnect(o, true, on_connected, "connected");
	if (s == NATS_OK)
		s = natsOptions_SetDisconnectedCB(o, on_disconnected, NULL);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectedCB(o, on_connected, "reconnected");
	if (s == NATS_OK)
		s = natsOptions_SetErrorHandler(o, on_error, NULL);
	return s;
}

int fleet_connect(natsConnection **nc, const struct fleet_conf *c, const char *name,
		  unsigned int flags, char *err, size_t errlen)
{
	struct fleet_creds cr;
	natsOptions *o = NULL;
	natsStatus s;

	*nc = NULL;
	if (fleet_creds_read(c->credentials, &cr, err, errlen))
		return -1;
	s = natsOptions_Create(&o);
	if (s == NATS_OK)
		s = set_options(o, c, &cr, name, flags);
	sodium_memzero(&cr, sizeof(cr));
	if (s == NATS_OK)
		s = natsConnection_Connect(nc, o);
	/* With retry, "not yet connected" is the expected answer while the servers are away. */
	if (s == NATS_NOT_YET_CONNECTED && (flags & FLEET_CONNECT_RETRY))
		s = NATS_OK;
	natsOptions_Destroy(o);
	if (s != NATS_OK) {
		const char *text = nats_GetLastError(NULL);

		snprintf(err, errlen, "cannot connect to %s%s: %s", c->servers[0],
			 c->nservers > 1 ? " and the others" : "",
			 text && *text ? text : natsStatus_GetText(s));
		natsConnection_Destroy(*nc);
		*nc = NULL;
		return -1;
	}
	return 0;
}

int fleet_conn_refused(natsConnection *nc)
{
	const char *text = NULL;

	return natsConnection_GetLastError(nc, &text) == NATS_NOT_PERMITTED;
}
