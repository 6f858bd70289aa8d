# bash completion for rbdfence(8); installed as
# /usr/share/bash-completion/completions/rbdfence (bash-completion loads it on first use).
# The verbs and options follow src/Rbdfence.Cli/Commands.cs; the Cli tests compare them
# with the real `rbdfence --help` output, so they cannot drift apart unnoticed.

# The volume specs of this host's table (first field of each line that is not a comment).
_rbdfence_table_specs()
{
    local table=${RBDFENCE_TAB:-/etc/ceph/rbdfencetab}
    [[ -r $table ]] || return 0
    awk '$1 !~ /^#/ && NF { print $1 }' "$table" 2>/dev/null
}

_rbdfence()
{
    local cur prev words cword split
    _init_completion -s || return

    local verbs='acquire release status hold map unmap break list daemon'
    # Options every verb takes (the Ceph client options and --json).
    local common='--id --keyring --conf -c --connect-timeout --json --help'
    # Options that take a value in the next word (--wait's is optional: only with '=').
    local valued='@(--id|--keyring|--conf|-c|--connect-timeout|--mode|--grace|--backend|--interval|--blocklist-expiry|--device-link|--mount-point|--table|--connection)'

    case $prev in
        --keyring | --conf | -c | --device-link | --table)
            _filedir
            return
            ;;
        --mount-point)
            _filedir -d
            return
            ;;
        --mode)
            COMPREPLY=($(compgen -W 'auto advisory managed' -- "$cur"))
            return
            ;;
        --backend)
            COMPREPLY=($(compgen -W 'krbd nbd fuse' -- "$cur"))
            return
            ;;
        --connection)
            COMPREPLY=($(compgen -W 'own shared' -- "$cur"))
            return
            ;;
        --id | --connect-timeout | --grace | --interval | --blocklist-expiry)
            # A name or a number of the user's: nothing to offer.
            return
            ;;
        --wait)
            if [[ $split == true ]]; then
                COMPREPLY=($(compgen -W 'infinity' -- "$cur"))
                return
            fi
            ;;
    esac
    [[ $split == true ]] && return

    # The verb, and whether its SPEC was given already (option values skipped).
    local verb='' specs=0 i
    for ((i = 1; i < cword; i++)); do
        if [[ ${words[i]} == $valued ]]; then
            ((i++))
        elif [[ ${words[i]} == -* ]]; then
            continue
        elif [[ -z $verb ]]; then
            verb=${words[i]}
        else
            ((specs++))
        fi
    done

    if [[ -z $verb ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W '--help --version' -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$verbs" -- "$cur"))
        fi
        return
    fi

    local options
    case $verb in
        acquire) options='--mode --grace --kubelet-cookie --wait --blocklist-expiry --mount-point --connection' ;;
        release) options='--mode --kubelet-cookie' ;;
        status) options='--mode --grace' ;;
        hold) options='--mode --grace --kubelet-cookie --backend --interval --device-link --read-only --blocklist-expiry --connection' ;;
        map) options='--mode --grace --kubelet-cookie --backend --device-link --read-only --blocklist-expiry' ;;
        unmap) options='--mode --backend --device-link' ;;
        break) options='--mode --blocklist-expiry' ;;
        # list reads the table, not one volume: no Ceph identity options of its own.
        list) options='--table' common='--connect-timeout --json --help' ;;
        # daemon takes no volume and no option: it serves every volume that asks.
        daemon) options='' common='--help' ;;
        *) return ;;
    esac

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$options $common" -- "$cur"))
    elif [[ $verb != @(list|daemon) ]] && ((specs == 0)); then
        # SPEC: the volumes this host's table names (any other pool/image may be typed).
        COMPREPLY=($(compgen -W "$(_rbdfence_table_specs)" -- "$cur"))
    fi
} &&
    complete -F _rbdfence rbdfence

# ex: filetype=sh
