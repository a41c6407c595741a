# emoctl(1) bash completion: commands, global options, command options,
# log levels and socket paths.  Installed as completions/emoctl.

_emoctl()
{
	local cur prev words cword
	# bash-completion's helper joins words split at "=" and ":"; plain
	# bash works too, without it.
	if declare -F _init_completion >/dev/null; then
		_init_completion || return
	else
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
		cur=${words[cword]}
		prev=${words[cword - 1]}
	fi

	local globals="--socket --json --hex-key --timeout --help --version"
	local commands="put get watch keygen hash status peers ping log permanent cancel help"

	case $prev in
	--socket|-s|--output|-o|--decrypt|--sign)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--timeout|-t|--ttl|--since|--min-acks|--count|--encrypt-to|--seq|--signed-by)
		return
		;;
	esac

	# Find the command: the first word that is neither an option nor the
	# argument of one.
	local i cmd="" nargs=0 endopts=0
	for ((i = 1; i < cword; i++)); do
		if ((endopts == 0)); then
			case ${words[i]} in
			--)
				endopts=1
				continue
				;;
			--socket|-s|--timeout|-t|--ttl|--since|--min-acks|--output|-o|--count|--encrypt-to|--decrypt|--sign|--seq|--signed-by)
				((i++))
				continue
				;;
			-?*)
				continue
				;;
			esac
		fi
		if [[ -z $cmd ]]; then
			cmd=${words[i]}
		else
			((nargs++))
		fi
	done

	if [[ $cur == -* ]] && ((endopts == 0)); then
		case $cmd in
		put) COMPREPLY=($(compgen -W "$globals --ttl --min-acks --permanent --encrypt-to --sign --seq --immutable" -- "$cur")) ;;
		get) COMPREPLY=($(compgen -W "$globals --since --latest --raw --null --output --decrypt --signed-by" -- "$cur")) ;;
		watch) COMPREPLY=($(compgen -W "$globals --since --count" -- "$cur")) ;;
		*) COMPREPLY=($(compgen -W "$globals" -- "$cur")) ;;
		esac
		return
	fi

	case $cmd in
	"")
		COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		;;
	help)
		((nargs == 0)) &&
		    COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		;;
	log)
		((nargs == 0)) &&
		    COMPREPLY=($(compgen -W "warn info debug" -- "$cur"))
		;;
	keygen)
		compopt -o filenames 2>/dev/null
		((nargs == 0)) && COMPREPLY=($(compgen -f -- "$cur"))
		;;
	put)
		# VALUE: "-" reads standard input.
		((nargs == 1)) && COMPREPLY=($(compgen -W "-" -- "$cur"))
		;;
	esac
} &&
	complete -F _emoctl emoctl
