// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The users of the store, as the shipper sees them: a directory per uid under the data dir
 * (store_list_users), the person's pseudonym from the account's name, the segments there and
 * the bytes not yet acknowledged. Logs name a person by the start of the pseudonym only.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
#include "share.h"
#include "shipd.h"
#include "store.h"

struct ship_user *users_find_person(struct shipd *sd, const char *person)
{
	for (size_t i = 0; i < sd->n_users; i++)
		if (!strcmp(sd->users[i]->person, person))
			return sd->users[i];
	return NULL;
}

static struct ship_user *find_uid(struct shipd *sd, uint32_t uid)
{
	for (size_t i = 0; i < sd->n_users; i++)
		if (sd->users[i]->uid == uid)
			return sd->users[i];
	return NULL;
}

static void user_free(struct ship_user *u)
{
	if (u->seg_fd >= 0)
		close(u->seg_fd);
	if (u->dir_fd >= 0)
		close(u->dir_fd);
	free(u->seqs);
	free(u->fl);
	free(u);
}

/* The pseudonym of the account's name: a uid without an account is not shipped. */
static int person_of(struct shipd *sd, uint32_t uid, char person[FLEET_PSEUDONYM_LEN + 1])
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) || !res)
		return -ENOENT;
	return fleet_pseudonym(person, sd->pseudonym_key, pw.pw_name);
}

/* Said once per uid (of the first few), and without the uid: "no account" is enough. */
static void warn_once(uint32_t uid, int err)
{
	static uint32_t warned[64];
	static size_t n_warned;

	for (size_t i = 0; i < n_warned; i++)
		if (warned[i] == uid)
			return;
	if (n_warned < sizeof(warned) / sizeof(warned[0]))
		warned[n_warned++] = uid;
	log_warn("a user directory cannot be shipped: %s",
		 err == -ENOENT ? "no account of that uid" : strerror(-err));
}

static struct ship_user *user_new(struct shipd *sd, uint32_t uid)
{
	struct ship_user *u = calloc(1, sizeof(*u));
	char name[16];
	int err;

	if (!u)
		return NULL;
	u->uid = uid;
	u->seg_fd = -1;
	u->fl_cap = sd->conf.max_in_flight + 2; /* and a mark, and the one kept free */
	u->fl = calloc(u->fl_cap, sizeof(*u->fl));
	snprintf(name, sizeof(name), "%u", uid);
	u->dir_fd = openat(sd->data_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	err = !u->fl ? -ENOMEM : u->dir_fd < 0 ? -errno : person_of(sd, uid, u->person);
	if (!err)
		err = watermark_load(sd, u);
	if (err) {
		warn_once(uid, err);
		user_free(u);
		return NULL;
	}
	u->next = u->wm;
	return u;
}

static void add_user(struct shipd *sd, uint32_t uid)
{
	struct ship_user *u = find_uid(sd, uid);

	if (!u) {
		u = user_new(sd, uid);
		if (!u)
			return;
		sd->users[sd->n_users++] = u;
	}
	u->seen = true;
}

/* A directory that went (a forgotten user) goes once nothing of it is in flight. */
static void drop_gone(struct shipd *sd)
{
	size_t kept = 0;

	pthread_mutex_lock(&sd->lock);
	for (size_t i = 0; i < sd->n_users; i++) {
		struct ship_user *u = sd->users[i];

		if (u->seen || u->fl_count)
			sd->users[kept++] = u;
		else
			user_free(u);
	}
	sd->n_users = kept;
	pthread_mutex_unlock(&sd->lock);
}

/* What is not acknowledged yet: the segments from the watermark on, as large as they are. */
static void count_backlog(struct ship_user *u)
{
	char name[SEG_NAME_SIZE];
	struct stat sb;

	u->backlog_bytes = 0;
	for (size_t i = 0; i < u->n_seqs; i++) {
		if (u->seqs[i] < u->wm.seq)
			continue;
		seg_name(name, u->seqs[i]);
		if (fstatat(u->dir_fd, name, &sb, AT_SYMLINK_NOFOLLOW))
			continue;
		if (u->seqs[i] == u->wm.seq)
			u->backlog_bytes +=
				(uint64_t)sb.st_size > u->wm.off ? sb.st_size - u->wm.off : 0;
		else
			u->backlog_bytes += (uint64_t)sb.st_size - SEG_HEADER_SIZE;
	}
}

static void scan_user(struct ship_user *u)
{
	uint64_t *seqs;
	size_t count;

	/* None yet, or not readable: nothing is shipped beyond the last one read. */
	share_durable_read(u->dir_fd, &u->durable.seq, &u->durable.off);

	if (seg_list(u->dir_fd, &seqs, &count))
		return; /* the last list stands */
	free(u->seqs);
	u->seqs = seqs;
	u->n_seqs = count;
	count_backlog(u);
}

void users_scan(struct shipd *sd)
{
	uint32_t *uids;
	int n = store_list_users(sd->data_dir, &uids);

	if (n < 0) {
		log_err("%s: cannot list the users: %s", sd->data_dir, strerror(-n));
		return;
	}
	for (size_t i = 0; i < sd->n_users; i++)
		sd->users[i]->seen = false;
	for (int i = 0; i < n; i++)
		add_user(sd, uids[i]);
	free(uids);
	drop_gone(sd);
	sd->c.backlog_bytes = 0;
	for (size_t i = 0; i < sd->n_users; i++) {
		scan_user(sd->users[i]);
		sd->c.backlog_bytes += sd->users[i]->backlog_bytes;
	}
}

bool users_next_seq(const struct ship_user *u, uint64_t seq, uint64_t *next)
{
	for (size_t i = 0; i < u->n_seqs; i++) {
		if (u->seqs[i] > seq) {
			*next = u->seqs[i];
			return true;
		}
	}
	return false;
}

void users_free(struct shipd *sd)
{
	for (size_t i = 0; i < sd->n_users; i++)
		user_free(sd->users[i]);
	sd->n_users = 0;
}
