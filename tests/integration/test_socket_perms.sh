#!/bin/sh
# test_socket_perms.sh — the control socket is srw-rw---- and reachable only
# by the daemon's user and the members of socket_group.  As root, a
# temporary system user is refused (emoctl exit 3) while outside the group
# and served once it is a member; not as root, the second uid is skipped.
. "$(dirname "$0")/lib.sh"

# check_mode NAME GROUP: NAME's socket is a socket, mode 0660, group GROUP.
check_mode() {
	cm_s=$(node_sock "$1")
	[ -S "$cm_s" ] || fail "$cm_s is not a socket"
	assert_eq 660 "$(stat -c %a "$cm_s")" "mode of the control socket"
	case $(ls -l "$cm_s") in
	srw-rw----*) ;;
	*) fail "control socket is '$(ls -l "$cm_s")', expected srw-rw----" ;;
	esac
	assert_eq "$2" "$(stat -c %G "$cm_s")" "group of the control socket"
}

start_node a
check_mode a "$(id -gn)"
stop_node a

[ "$(id -u)" = 0 ] ||
    skip "not root: the check with a second user needs useradd/setpriv (mode 0660 was checked)"
for c in useradd userdel groupadd groupdel gpasswd setpriv; do
	command -v "$c" >/dev/null 2>&1 || skip "$c is not installed"
done

# ---- a temporary user and group, always removed ---------------------------
u="emoit$$"
g="emoitg$$"
made_user=0
made_group=0
trap 'it_rc=$?
[ $made_user = 0 ] || userdel "$u" 2>/dev/null
[ $made_group = 0 ] || groupdel "$g" 2>/dev/null
(exit $it_rc); it_cleanup' EXIT

getent passwd "$u" >/dev/null && skip "user $u already exists"
getent group "$g" >/dev/null && skip "group $g already exists"
if getent group nogroup >/dev/null; then
	useradd --system --no-create-home --shell /usr/sbin/nologin \
	    --no-user-group --gid nogroup "$u" || fail "useradd $u failed"
else
	useradd --system --no-create-home --shell /usr/sbin/nologin "$u" ||
	    fail "useradd $u failed"
fi
made_user=1
groupadd --system "$g" || fail "groupadd $g failed"
made_group=1
ugid=$(id -g "$u")

# The user must reach the socket's directory and run emoctl: $T becomes
# traversable (not listable) and emoctl is copied into it.
chmod 0711 "$T" || fail "chmod $T"
mkdir -p "$T/bin"
chmod 0755 "$T/bin"
cp "$EMOCTL" "$T/bin/emoctl" && chmod 0755 "$T/bin/emoctl" || fail "cp emoctl"

# as_user [setpriv group options] -- EMOCTL ARGS: emoctl as $u against a.
as_user() {
	au_opts=""
	while [ "$1" != "--" ]; do
		au_opts="$au_opts $1"
		shift
	done
	shift
	# shellcheck disable=SC2086
	timeout -k 5 "$IT_CTL_LIMIT" setpriv --reuid="$u" --regid="$ugid" $au_opts \
	    "$T/bin/emoctl" --socket "$(node_sock a)" --timeout $((10 * IT_SLOW)) "$@"
}

it_run setpriv --reuid="$u" --regid="$ugid" --clear-groups "$T/bin/emoctl" --help
[ "$RC" = 0 ] || skip "user $u cannot run $T/bin/emoctl (is a parent of $T private?): $(it_peek "$ERR")"

# ---- socket_group empty: the daemon's group (root) only --------------------
start_node a
check_mode a root
assert_exit 3 as_user --clear-groups -- status
assert_grep "$ERR" '[Pp]ermission denied' "emoctl's message as $u"
assert_exit 0 ctl a status
stop_node a

# ---- socket_group = $g, the user not yet a member ---------------------------
printf 'socket_group = %s\n' "$g" >"$(node_dir a)/conf"
start_node a
check_mode a "$g"
assert_exit 3 as_user --init-groups -- status
assert_grep "$ERR" '[Pp]ermission denied' "emoctl's message as $u outside $g"
# The message names the group to join.
assert_grep "$ERR" "join the group '$g'" "emoctl's advice as $u outside $g"
assert_exit 0 ctl a put perms root-wrote-this
stop_node a

# ---- the user joins $g: served --------------------------------------------
gpasswd -a "$u" "$g" >/dev/null || fail "gpasswd -a $u $g failed"
start_node a
assert_exit 0 as_user --init-groups -- status
assert_exit 0 as_user --init-groups -- get perms
assert_eq root-wrote-this "$(cat "$OUT")" "get as a member of $g"
assert_exit 0 as_user --init-groups -- put perms-user user-wrote-this
assert_exit 0 ctl a get perms-user
assert_eq user-wrote-this "$(cat "$OUT")" "value put by a member of $g"
# The same user without its supplementary groups is refused again.
assert_exit 3 as_user --clear-groups -- status
stop_node a

# ---- socket_group naming no group: refused at start ------------------------
printf 'socket_group = emo-no-such-group-%s\n' "$$" >"$(node_dir a)/conf"
expect_refusal bad --config "$(node_dir a)/conf" --listen "127.0.0.1:$(node_port a)" \
    --data-dir "$(node_data a)" --socket "$(node_sock a)"
assert_grep "$(node_log bad)" 'socket_group' "emod's message for an unknown group"
note "socket reachable by root and members of socket_group only"
